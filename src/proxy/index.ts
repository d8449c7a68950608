/** docklab's HTTP load balancer, configured with HAProxy's configuration language. */
export { startProxyFromFile, loadConfig, type RunningProxy, type ProxyOptions, type ListenAddress } from './proxy-instance.js';
export { ConfigParser } from './config/config-parser.js';
