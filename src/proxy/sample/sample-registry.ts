import type { Loc, MatchMethod } from '../config/model.js';
import type { SampleSource } from '../acl/sample-source.js';
import type { FetchLayer, Sample, SampleType, SampleValue } from './sample-types.js';

/** What the parser knows about a fetch before running it. */
export interface FetchSpec {
  /** Match method an ACL uses without `-m` (and without a suffix such as `_beg`). */
  readonly defaultMatch: MatchMethod;
  /** Minimum and maximum number of arguments inside the parentheses. */
  readonly args: readonly [number, number];
  /** Type of the values, for converters and the default match after converters. */
  readonly type: SampleType;
  readonly layer: FetchLayer;
  /** Canonical name (aliases share the implementation); defaults to the registered name. */
  readonly canonical?: string;
  /** Whether `name_beg`, `name_dom`… forms exist (HAProxy's ACL keyword suffixes). */
  readonly suffixes?: boolean;
  /**
   * Request fetches still usable while the response is processed: 'always'
   * (method, captures), or 'sample' (hdr() reads the response's headers in
   * log-format strings, but as an ACL it never matches there).
   */
  readonly responseUse?: 'always' | 'sample';
  /**
   * 'server': only known once a server is chosen, so refused in http-request
   * rules; 'backend': refused where no backend is chosen yet (a frontend's
   * http-request rules and use_backend).
   */
  readonly needs?: 'server' | 'backend';
  /** Checks or rewrites the arguments at parse time; throw a config error to refuse them. */
  readonly checkArgs?: (args: string[], at: Loc) => string[];
}

/**
 * Runs a fetch. `forAcl` is true when an ACL asks: header fetches then return
 * every comma-separated value, otherwise only the last occurrence.
 */
export type FetchImpl = (args: readonly string[], src: SampleSource, forAcl: boolean) => Sample;

export interface FetchDef extends FetchSpec {
  readonly name: string;
  readonly canonical: string;
  readonly impl: FetchImpl;
}

/** A compiled converter call: returns undefined when the conversion fails (the sample is then lost). */
export type ConverterFn = (value: SampleValue, src: SampleSource) => SampleValue | undefined;

export interface ConverterParseContext {
  readonly at: Loc;
  /** Resolves a file name (map files) the way the configuration says (default-path). */
  readonly resolvePath: (file: string) => string;
}

export interface ConverterSpec {
  readonly args: readonly [number, number];
  /** Type the converter wants; the input is cast to it first (failed casts drop the sample). */
  readonly input: SampleType;
  /** Type it produces; 'any' means the type of its input. */
  readonly output: SampleType;
  /** Compiles one call: check arguments (throw config errors with ctx.at), load files, build the function. */
  readonly compile: (args: string[], ctx: ConverterParseContext) => ConverterFn;
}

export interface ConverterDef extends ConverterSpec {
  readonly name: string;
}

const fetches = new Map<string, FetchDef>();
const converters = new Map<string, ConverterDef>();

/** Adds a sample fetch (from the file of the area that implements it). */
export function registerFetch(name: string, spec: FetchSpec, impl: FetchImpl): void {
  if (fetches.has(name)) throw new Error(`sample fetch '${name}' is registered twice`);
  fetches.set(name, { ...spec, name, canonical: spec.canonical ?? name, impl });
}

/** Adds a converter (`fetch,NAME(args)`). */
export function registerConverter(name: string, spec: ConverterSpec): void {
  if (converters.has(name)) throw new Error(`converter '${name}' is registered twice`);
  converters.set(name, { ...spec, name });
}

export function lookupFetch(name: string): FetchDef | undefined {
  return fetches.get(name);
}
export function lookupConverter(name: string): ConverterDef | undefined {
  return converters.get(name);
}
export function fetchNames(): string[] {
  return [...fetches.keys()];
}
export function converterNames(): string[] {
  return [...converters.keys()];
}
