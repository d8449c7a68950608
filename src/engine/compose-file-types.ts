// The shape docklab reads a compose file into: shared by the project and the resolved model, which import it from here.

/** What docklab read from a compose file before handing it to the compose tool. */
export interface ComposeFile {
  path: string;
  /** The top-level `version`, when the file has one. */
  version?: string;
  services: Record<string, ComposeService>;
  /** Networks and named volumes the file declares (external ones excluded: docklab does not own them). */
  networks: string[];
  volumes: string[];
}

export interface ComposeService {
  image?: string;
  build?: unknown;
  ports?: unknown[];
  environment?: unknown;
  container_name?: string;
  [key: string]: unknown;
}
