// Runs the rendered host script (argv[2]) in a fake browser window described by the
// scenario on stdin, and prints what reached the bound function. Used by host_test.go.
"use strict";
const fs = require("fs");
const vm = require("vm");

const script = fs.readFileSync(process.argv[2], "utf8");
const sc = JSON.parse(fs.readFileSync(0, "utf8"));

const calls = [];
const warnings = [];
const listeners = [];
const ctx = {
  location: { origin: sc.origin, href: sc.href },
  console: { warn: (...a) => warnings.push(a.map(String).join(" ")), log: () => {} },
  addEventListener: (type, fn) => { if (type === "message") listeners.push(fn); },
};
ctx.window = ctx;
ctx.top = sc.top ? ctx : {};
ctx[sc.binding] = function (secret, envelope) {
  calls.push([secret, envelope]);
  return sc.reject ? Promise.reject(new Error("refused")) : Promise.resolve();
};
vm.createContext(ctx);
vm.runInContext(script, ctx);
// Inside the context "window" is the context's global, not the sandbox object.
const self = vm.runInContext("globalThis", ctx);

for (const ev of sc.events || []) {
  let data = ev.data;
  if (ev.cyclic) {
    data = { type: "rc-call-ring-notify" };
    data.self = data;
  }
  const event = { origin: ev.origin, source: ev.sameSource ? self : {}, data: data };
  for (const fn of listeners) fn(event);
}

setImmediate(() => {
  process.stdout.write(JSON.stringify({
    calls: calls,
    warnings: warnings,
    bindingLeft: Object.prototype.hasOwnProperty.call(ctx, sc.binding) && ctx[sc.binding] !== undefined,
    listeners: listeners.length,
  }));
});
