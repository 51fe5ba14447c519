import { Link } from "react-router";
import { automationApi } from "../lib/api";
import type { TaskItem } from "../lib/bindings/TaskItem";
import { date } from "../lib/format";
import { useAction, useLoad } from "../lib/hooks";
import { Badge, Empty } from "./ui";

/** The day after today (YYYY-MM-DD, UTC), a snooze's default. */
function tomorrow(): string {
  return new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
}

function recordLink(t: TaskItem): string | null {
  if (!t.entity || !t.entity_id) return null;
  const path = { partner: "partners", application: "applications", lead: "leads" }[t.entity as string];
  return path ? `/${path}/${t.entity_id}` : null;
}

/**
 * Tasks with one-click (or one-key) done and snooze: on the Dashboard, the
 * ones due today ("Today"); on a record's page, that record's open ones.
 * Keys on a focused task: `x` done, `z` snooze until tomorrow.
 */
export function Tasks(props: { record?: string; title: string }) {
  const { record } = props;
  const list = useLoad(
    () => (record ? automationApi.tasks(false, record) : automationApi.tasksToday()),
    [record],
    ["tasks"],
  );
  const act = useAction();
  const done = (t: TaskItem) => act.run(() => automationApi.taskDone(t.id));
  const snooze = (t: TaskItem) => act.run(() => automationApi.taskSnooze(t.id, tomorrow()));
  const items = list.data ?? [];
  return (
    <div className="card" data-section="tasks">
      <h3>
        {props.title} <span className="count">{items.length}</span>
      </h3>
      {list.error && <div className="banner error">{list.error.message}</div>}
      {act.error && (
        <div className="banner error" role="alert">
          {act.error.message}
        </div>
      )}
      {list.data && items.length === 0 ? (
        <Empty title={record ? "No open task." : "Nothing due today."}>
          The automation rules make tasks (Automation screen).
        </Empty>
      ) : (
        <ul className="list tasks">
          {items.map((t) => {
            const to = record ? null : recordLink(t);
            return (
              <li
                key={t.id}
                tabIndex={0}
                data-task={t.id}
                title="x: done · z: snooze until tomorrow"
                onKeyDown={(e) => {
                  if (e.key === "x") {
                    e.preventDefault();
                    void done(t);
                  } else if (e.key === "z") {
                    e.preventDefault();
                    void snooze(t);
                  }
                }}
              >
                <span className="task-title">{t.title}</span>
                {to && t.label && (
                  <>
                    {" "}
                    <Link to={to}>{t.label}</Link>
                  </>
                )}{" "}
                <Badge value={t.state} />
                <span className="muted"> due {date(t.snoozed_until ?? t.due_on)}</span>
                <span className="right row-actions">
                  <button disabled={act.busy} onClick={() => void done(t)} data-action="done">
                    Done
                  </button>
                  <button disabled={act.busy} onClick={() => void snooze(t)} data-action="snooze">
                    Snooze
                  </button>
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
