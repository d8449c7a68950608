/**
 * The lab-kit: the one module a lab imports. Everything a lab's checks may
 * use is here: defineLab, the check model, the narrow CheckContext, wait
 * strategies, inspections of containers and images, shared checks, and the
 * engine helpers checks read evidence with. A lab that imports anything
 * else of docklab's is refused by a test.
 */

// --- defining a lab and its checks ---
export { defineLab } from './define-lab.js';
export type { Evidence, LabDefinition, LabOption } from './define-lab.js';
export { CheckFailure, DEFAULT_CHECK_TIMEOUT_MS, dependencyIds, fail, pass, passWith } from './check.js';
export type { Check, CheckDefinition, CheckOutcome, CheckResult, CheckStatus } from './check.js';
export type { BuildOptions, CheckContext, ContainerSpec, HttpAnswer, HttpRequestOptions, LabMode } from './check-context.js';
export { APP_TEMPLATES_DIR, assembleContext, entryExists } from './source-files.js';
export { SETUP_ID, labSetup, type LabSetup } from './lab-setup.js';

// --- waits ---
export { Wait, waitFor } from './wait/wait.js';
export { WaitStrategy, defaultDiagnosis, type WaitTarget } from './wait/wait-strategy.js';
export type { Diagnose, Diagnosis, WaitFailure } from './wait/wait-failure.js';
export { HttpWaitStrategy, type HttpExpectation } from './wait/http-wait-strategy.js';
export { LogLineWaitStrategy } from './wait/log-line-wait-strategy.js';
export { HealthWaitStrategy, type HealthStatus } from './wait/health-wait-strategy.js';
export { PortWaitStrategy } from './wait/port-wait-strategy.js';
export { ExecWaitStrategy } from './wait/exec-wait-strategy.js';
export { ProbeWaitStrategy } from './wait/probe-wait-strategy.js';
// The function forms, for checks written before the strategy objects.
export { waitUntil, type Probe, type WaitOptions } from '../checks/wait/wait-strategy.js';
export { waitForHttp } from '../checks/wait/http-wait.js';
export { waitForLogLine } from '../checks/wait/log-wait.js';

// --- inspections (src/lab-kit/inspect/*) ---
export * from './inspect/containers.js';
export * from './inspect/image-identity.js';
export * from './inspect/image-reference.js';
export * from './inspect/registry-reference.js';
export * from './inspect/outside-probe.js';
export * from './inspect/mysql-probe.js';
export * from './inspect/container-deaths.js';
export * from './inspect/prune-events.js';

// --- shared checks ---
export {
  appServesCheck,
  imageBuildsCheck,
  serveAndRequest,
  serveApp,
  type BuiltImage,
  type ImageHandle,
  type ServesOptions,
  type ServingContainer,
} from '../checks/app-checks.js';
export { imageBuildsCheckRetrying, isVanishedImageError } from '../checks/build-retry.js';
export {
  COMPOSE_FILE_CHECK,
  composeFileCheck,
  composeFileUsed,
  composeProject,
  composeUpCheck,
  serviceContainers,
  serviceFor,
  type ComposeServices,
  type ServiceRole,
  type UpOptions,
} from '../checks/compose-checks.js';
export {
  dockerfileStages,
  parseDockerfile,
  readDockerfile,
  variablesUsed,
  type DockerfileInstruction,
  type DockerfileStage,
} from '../checks/dockerfile-parse.js';
export { dockerHubRegistry, listTags, manifestFor, plainRegistry, type RegistryTarget } from '../checks/registry-api.js';
export { freePort, startSyslogReceiver, type SyslogMessage, type SyslogReceiver } from '../checks/syslog-receiver.js';
export { inspectSettled } from '../checks/container-settle.js';

// --- engine and image helpers checks read evidence with ---
export { ComposeProject, downComposeProjects } from '../engine/compose-project.js';
export { containerEvents, execRuns, type ContainerEvent, type ExecRun } from '../engine/container-events.js';
export { containerPathExists, findInContainer, readContainerFile } from '../engine/container-files.js';
export { demuxBuffer, execIn, type ExecResult } from '../engine/container-io.js';
export { readStatsSample } from '../engine/container-stats.js';
export { binarySize, statsLine } from '../engine/stats-format.js';
export { followLogs, readLogs, type LogLine } from '../engine/log-follow.js';
export { typeIntoTerminal } from '../engine/terminal-session.js';
export { LABEL } from '../engine/labels.js';
export type { BuildResult, BuildStep } from '../images/image-build.js';
export { pushImage } from '../images/image-push.js';
export { imageIfPresent } from '../images/provisioner.js';
export { PROXY_CONFIG_PATH, ensureProxyImage } from '../images/proxy-image.js';
export { parseImageRef, formatImageRef, type ImageRef } from '../images/image-ref.js';
export { formatBytes } from '../util/terminal.js';

// --- scenarios (scenario.yaml: a state lab's steps as data) ---
export { SCENARIO_FILE, loadScenario, parseScenario } from './scenario/scenario-file.js';
export { ScenarioOutcome } from './scenario/scenario-outcome.js';
export { runScenario, containerSpecOf } from './scenario/scenario-runner.js';
export { SCENARIO_VARIABLES } from './scenario/scenario-variables.js';
export type { RunStep, Scenario, ScenarioStep, StepKind } from './scenario/scenario-schema.js';
