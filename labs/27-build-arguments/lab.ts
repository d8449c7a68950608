import {
  defineLab,
  dockerfileStages,
  fail,
  pass,
  readDockerfile,
  serveAndRequest,
  variablesUsed,
  type CheckContext,
  type CheckDefinition,
  type DockerfileInstruction,
} from '../../src/lab-kit/index.js';

const ARG = 'GREETING';

interface ArgAnalysis {
  /** The ARG line in the final stage, if any. */
  declared?: DockerfileInstruction;
  /** Its default value, quotes removed. */
  defaultValue?: string;
  /** A line in the final stage that uses $GREETING before the ARG line. */
  usedBefore?: DockerfileInstruction;
  /** Declared only before FROM, where only FROM lines see it. */
  onlyGlobal?: DockerfileInstruction;
  /** Whether ENV (or a RUN that writes it somewhere) carries the value into the image. */
  passedOn: boolean;
}

function analyse(ctx: CheckContext): ArgAnalysis {
  const instructions = readDockerfile(ctx.sourcePath('Dockerfile'));
  const stages = dockerfileStages(instructions);
  const final = stages[stages.length - 1];
  const declares = (i: DockerfileInstruction) => i.keyword === 'ARG' && new RegExp(`^${ARG}(=|$)`).test(i.args.trim());
  const firstFrom = instructions.find((i) => i.keyword === 'FROM');
  const global = instructions.find((i) => declares(i) && (!firstFrom || i.line < firstFrom.line));
  const own = final?.instructions ?? [];
  const declared = own.find(declares);
  const uses = own.filter((i) => i.keyword !== 'ARG' && variablesUsed(i.args).includes(ARG));
  const usedBefore = uses.find((i) => !declared || i.line < declared.line);
  const valueOf = (i: DockerfileInstruction | undefined) => {
    const raw = i ? /=(.*)$/s.exec(i.args.trim())?.[1] : undefined;
    return raw === undefined
      ? undefined
      : raw
          .trim()
          .replace(/^"(.*)"$/s, '$1')
          .replace(/^'(.*)'$/s, '$1');
  };
  // `ARG NAME=default` before FROM, then `ARG NAME` in the stage: the stage takes the global default (Docker's documented pattern).
  const defaultValue = valueOf(declared) ?? (declared ? valueOf(global) : undefined);
  const passedOn = uses.some((i) => declared && i.line > declared.line && (i.keyword === 'ENV' || i.keyword === 'RUN' || i.keyword === 'LABEL'));
  return { declared, defaultValue, usedBefore, onlyGlobal: declared ? undefined : global, passedOn };
}

/** Why the served text is not the argument's value, from the Dockerfile's shape. */
function explain(a: ArgAnalysis): string {
  if (a.onlyGlobal)
    return `ARG ${ARG} on line ${a.onlyGlobal.line} comes before FROM, where only FROM lines see it: declare it again (ARG ${ARG}) inside the stage`;
  if (!a.declared) return `declare the argument in the Dockerfile: ARG ${ARG}="a default greeting"`;
  if (a.usedBefore)
    return `line ${a.usedBefore.line} uses $${ARG} before ARG ${ARG} is declared on line ${a.declared.line}: there it is empty; move the ARG line up`;
  if (!a.passedOn)
    return `an ARG exists only while the image is built; the running app reads its environment: pass the value on with ENV ${ARG}=$${ARG} after the ARG line`;
  return `the app (app.py) must answer with the ${ARG} environment variable, and the image must set it from the build argument`;
}

/** What a page says: its text without tags and surrounding white space ("<h1>Hi</h1>\n" says "Hi"). */
function pageText(body: string): string {
  return body
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function buildAndServe(options: { id: string; title: string; image: string; value?: (ctx: CheckContext) => string }): CheckDefinition {
  return {
    id: options.id,
    title: options.title,
    timeoutMs: 600_000,
    run: async (ctx) => {
      const analysis = analyse(ctx);
      const wanted = options.value ? options.value(ctx) : analysis.defaultValue;
      if (wanted === undefined || wanted === '') {
        return fail(
          `a default value for ARG ${ARG}`,
          analysis.declared ? `ARG ${analysis.declared.args} (line ${analysis.declared.line}) has no default` : `no ARG ${ARG} in the final stage`,
          explain(analysis),
        );
      }
      const built = await ctx.build({ name: options.image, buildArgs: options.value ? { [ARG]: wanted } : undefined });
      // Any answer first (a wrong one need not be waited out), then its text.
      const answer = await serveAndRequest(ctx, { image: built, containerPort: 'exposed', fallbackPort: 5000, body: /(?:)/, app: 'the Flask app' });
      const said = `${options.value ? `--build-arg ${ARG}=${JSON.stringify(wanted)}` : 'no --build-arg'}: HTTP ${answer.status} ${JSON.stringify(answer.body.trim().slice(0, 60))}`;
      // The value itself, not text that contains it: "na2" is not the default "na". Markup around it is allowed.
      if (pageText(answer.body) !== pageText(wanted)) return fail(`the page to read ${JSON.stringify(wanted)}`, said, explain(analysis));
      return pass(said);
    },
  };
}

export default defineLab({
  title: 'Build arguments',
  summary: 'Let a build argument with a default decide what a Flask app answers.',
  images: ['python:3.11-slim'],
  evidence: 'files',
  requiredFiles: ['Dockerfile', 'app.py'],
  templates: ['flask-hello'],
  checks: [
    {
      id: 'arg-declared',
      title: `The Dockerfile declares ARG ${ARG} with a default before using it`,
      run: async (ctx) => {
        const a = analyse(ctx);
        if (!a.declared || a.usedBefore) {
          return fail(
            `ARG ${ARG}=<default> in the final stage, before any line that uses $${ARG}`,
            a.declared
              ? `ARG on line ${a.declared.line}, but $${ARG} used on line ${a.usedBefore!.line}`
              : a.onlyGlobal
                ? `ARG ${ARG} only before FROM (line ${a.onlyGlobal.line})`
                : `no ARG ${ARG}`,
            explain(a),
          );
        }
        if (!a.defaultValue)
          return fail(
            `a default value: ARG ${ARG}="..."`,
            `ARG ${a.declared.args} (line ${a.declared.line})`,
            'give the argument a default after an equals sign, used when the build passes none',
          );
        return pass(`line ${a.declared.line}: ARG ${a.declared.args}`);
      },
    },
    buildAndServe({ id: 'default-served', title: 'Built without --build-arg, the app answers with the default', image: 'greeting-default' }),
    buildAndServe({
      id: 'arg-served',
      title: `Built with --build-arg ${ARG}=..., the app answers with that value`,
      image: 'greeting-custom',
      value: (ctx) => `Built for docklab run ${ctx.runId}`,
    }),
  ],
});
