import type { GraphClient } from "@spx/runtime/clients";
import type { Logger } from "@spx/runtime/logging";
import { loadRuleBook } from "../context.js";
import { aidRulesOn } from "../domain/aid-rules.js";
import { localDay } from "../domain/calendar.js";
import type { AidPrisma } from "../subgraph.js";
import { applyDueNotices, type NoticeJobReport } from "./notices.js";

export interface NoticeJob {
  /** Applies the notices due on `day` (default: today in Morocco); one run at a time. */
  applyDue(day?: string): Promise<NoticeJobReport>;
  start(): Promise<void>;
  /** Stops the timer and waits for a run under way. */
  stop(): Promise<void>;
}

/** The periodic job that applies due notices (aid_rule `noticeJobIntervalSeconds`). */
export function noticeJob(prisma: AidPrisma, graph: GraphClient, logger: Logger): NoticeJob {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<NoticeJobReport> | undefined;
  let stopped = false;
  const applyDue = async (day?: string): Promise<NoticeJobReport> => {
    // A run under way is awaited first: two runs never apply the same notice twice anyway
    // (each is applied under a status guard), but they would read the same households twice.
    while (running) {
      await running.catch(() => undefined);
    }
    const run = (async () => {
      const now = new Date();
      const book = await loadRuleBook(prisma);
      const today = day ?? localDay(now, aidRulesOn(book.rules, now.toISOString().slice(0, 10)).timeZone);
      return applyDueNotices(prisma, graph, today);
    })();
    running = run;
    try {
      return await run;
    } finally {
      running = undefined;
    }
  };
  return {
    applyDue,
    async start() {
      const book = await loadRuleBook(prisma);
      const seconds = aidRulesOn(book.rules, new Date().toISOString().slice(0, 10)).noticeJobIntervalSeconds;
      if (stopped || seconds <= 0) {
        return;
      }
      timer = setInterval(() => {
        applyDue().then(
          (report) => {
            if (report.applied + report.cancelled > 0) {
              logger.info(report, "direct-aid notices applied");
            }
          },
          (error: unknown) => logger.warn({ err: error }, "direct-aid notice job failed; retried at the next tick"),
        );
      }, seconds * 1000);
      timer.unref();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
