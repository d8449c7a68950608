/** Counters shown on the stats page and in logs. */
export class TrafficCounters {
  total = 0;
  bytesIn = 0;
  bytesOut = 0;
  max = 0;
  failedConnects = 0;
  failedResponses = 0;
  retries = 0;
  redispatches = 0;
  denied = 0;
  requestErrors = 0;
  byClass = [0, 0, 0, 0, 0, 0];

  countStatus(status: number): void {
    const c = Math.floor(status / 100);
    this.byClass[c >= 1 && c <= 5 ? c : 0]!++;
  }
}
