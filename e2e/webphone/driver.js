// The test pages' driver: it reports what the page's web phone does to the test platform
// (POST /control/event) and runs the commands the test sends (GET /control/next), so a test
// can drive the page in any browser or webview without a way into it. Each page gives
// startDriver its web phone's commands (answer, call, hold, unhold, mute, unmute, dtmf,
// hangup); "stats" is common to both. Calls are numbered from 1 in the order they appear.
"use strict";

function report(event, fields) {
  return fetch("/control/event", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(Object.assign({ event: event }, fields || {})),
  });
}

window.addEventListener("error", function (e) { report("error", { detail: String(e.message) }); });
window.addEventListener("unhandledrejection", function (e) {
  report("error", { detail: "unhandled rejection: " + String(e.reason && (e.reason.stack || e.reason.message) || e.reason) });
});

async function provision() {
  const r = await fetch("/restapi/v1.0/client-info/sip-provision", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ sipInfo: [{ transport: "WSS" }] }),
  });
  if (!r.ok) throw new Error("sip-provision: " + r.status);
  return r.json();
}

// calls holds each call's web phone session; the page's adapter adds them.
const calls = [];
function addCall(session) {
  calls.push(session);
  return calls.length;
}
function callOf(args) {
  const n = args && args.call ? args.call : calls.length;
  const s = calls[n - 1];
  if (!s) throw new Error("no call " + n);
  return s;
}

// stats sums the peer connection's RTP counters (the web phones' QoS reads the same).
async function stats(pc) {
  const out = { packetsReceived: 0, packetsSent: 0, bytesReceived: 0 };
  (await pc.getStats()).forEach(function (r) {
    if (r.type === "inbound-rtp") { out.packetsReceived += r.packetsReceived || 0; out.bytesReceived += r.bytesReceived || 0; }
    if (r.type === "outbound-rtp") out.packetsSent += r.packetsSent || 0;
  });
  return out;
}

async function startDriver(commands) {
  for (;;) {
    let cmd;
    try {
      const r = await fetch("/control/next");
      if (r.status === 204) continue;
      cmd = await r.json();
    } catch (e) {
      return; // the test platform is gone
    }
    try {
      const fn = commands[cmd.op];
      if (!fn) throw new Error("unknown command " + cmd.op);
      const result = await fn(cmd.args || {});
      await report("done", { id: cmd.id, result: result === undefined ? null : result });
    } catch (e) {
      await report("failed", { id: cmd.id, detail: String(e && (e.stack || e.message) || e) });
    }
  }
}
