import { useEffect } from "react";
import { Link } from "react-router";
import { automationApi } from "../lib/api";
import { dateTime } from "../lib/format";
import { useLoad } from "../lib/hooks";

/**
 * The status line: e-mails waiting in the outbox and whether the last send
 * worked. The app sends every minute in the background, so it looks again
 * every 30 seconds (and at once when a command changes the outbox).
 */
export function OutboxStatus() {
  const s = useLoad(() => automationApi.outboxSummary(), [], ["outbox"]);
  const { reload } = s;
  useEffect(() => {
    const t = setInterval(reload, 30_000);
    return () => clearInterval(t);
  }, [reload]);
  if (!s.data) return null;
  const { queued, last_ok, last_error, last_attempt_at } = s.data;
  return (
    <Link to="/automation?tab=outbox" className="status-line" data-status="outbox" title={last_error ?? undefined}>
      <span data-queued={queued}>
        {queued === 0 ? "Outbox empty" : `${queued} e-mail${queued === 1 ? "" : "s"} queued`}
      </span>
      {last_ok !== null && (
        <span className={last_ok ? "ok" : "inline-error"}>
          {last_ok ? " · last send OK" : " · last send failed"}
          {last_attempt_at ? ` (${dateTime(last_attempt_at)})` : ""}
        </span>
      )}
    </Link>
  );
}
