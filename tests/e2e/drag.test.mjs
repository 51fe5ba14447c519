// The pipeline board's drag and drop, with a real pointer: press on a card,
// move in small steps (dnd-kit starts a drag after 5 px), release over the
// next column.
import { test } from "node:test";
import { launch, tempDb, demoDb, go, waitText, limits } from "./harness.mjs";

test("the pipeline board moves a lead by drag and drop", limits, async () => {
  const t = tempDb("drag");
  demoDb(t.db, 3, 12);
  const app = await launch(t.db);
  const b = app.browser;
  try {
    await b.setWindowSize(1280, 800).catch(() => undefined);
    await go(b, "Leads");
    const card = await b.$("[data-column=prospect] .lead-card");
    await card.waitForDisplayed({ timeout: 15000 });
    const client = await card.getAttribute("data-client");
    const before = Number(await b.$("[data-count=qualified]").getText());
    // Grab the card by its business line (the name is a link and the footer
    // a select, which do not start drags).
    const grip = await card.$(".muted.small");
    const from = await grip.getLocation();
    const size = await grip.getSize();
    const target = await b.$("[data-column=qualified]");
    const to = await target.getLocation();
    const tsize = await target.getSize();
    const x0 = Math.round(from.x + size.width / 2);
    const y0 = Math.round(from.y + size.height / 2);
    const x1 = Math.round(to.x + tsize.width / 2);
    const y1 = Math.round(to.y + Math.min(tsize.height / 2, 120));
    const steps = 12;
    const moves = [];
    for (let i = 1; i <= steps; i++) {
      moves.push({ type: "pointerMove", duration: 30, origin: "viewport", x: Math.round(x0 + ((x1 - x0) * i) / steps), y: Math.round(y0 + ((y1 - y0) * i) / steps) });
    }
    const pointer = (actions) => b.performActions([{ type: "pointer", id: "mouse", parameters: { pointerType: "mouse" }, actions }]);
    await pointer([
      { type: "pointerMove", duration: 0, origin: "viewport", x: x0, y: y0 },
      { type: "pointerDown", button: 0 },
      { type: "pause", duration: 100 },
      ...moves.slice(0, 4),
    ]);
    await pointer([...moves.slice(4), { type: "pause", duration: 100 }, { type: "pointerUp", button: 0 }]);
    await b.releaseActions().catch(() => undefined);
    await b.$(`[data-column=qualified] [data-client='${client}']`).waitForDisplayed({ timeout: 10000 });
    await waitText(b, "[data-count=qualified]", String(before + 1));
  } finally {
    await app.stop();
    t.cleanup?.();
  }
});
