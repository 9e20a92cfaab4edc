// The tests' hand in the real widget's page, loaded only when rcplatform.Options.Driver is
// set. It speaks the control channel of e2e/rcsip (the web phone test pages' own): it
// long-polls GET /control/next for commands and POSTs what happens to /control/event.
//
// One command, "post": window.postMessage(args.message), the way the widget's host page
// talks to it (rc-adapter-new-call, rc-adapter-control-call: the widget checks neither the
// origin nor the source). Events: the widget's own notifications about its web phone and
// calls, named by their type, with the call's id (or the dialer's readiness, or the
// connection status) as detail and the whole message as result.
(function () {
  'use strict';
  const watched = new Set([
    'rc-call-ring-notify', 'rc-call-start-notify', 'rc-call-end-notify',
    'rc-call-hold-notify', 'rc-call-resume-notify', 'rc-call-mute-notify',
    'rc-dialer-status-notify', 'rc-webphone-connection-status-notify',
  ]);
  // One report at a time, so the test sees the widget's events in the order it sent them.
  let reported = Promise.resolve();
  const report = (e) => {
    const body = JSON.stringify(e);
    reported = reported.then(() => fetch('/control/event', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body,
    })).catch(() => {});
  };
  const detail = (d) => {
    if (d.call) return String(d.call.id || '');
    if ('ready' in d) return String(d.ready);
    return String(d.connectionStatus || '');
  };
  window.addEventListener('message', (ev) => {
    const d = ev.data;
    if (ev.source !== window || !d || !watched.has(d.type)) return;
    report({ event: d.type, detail: detail(d), result: d });
  });
  window.addEventListener('error', (ev) => report({ event: 'pageerror', detail: String(ev.message) }));
  const pause = (ms) => new Promise((r) => setTimeout(r, ms));
  (async function loop() {
    for (;;) {
      let cmd;
      try {
        const r = await fetch('/control/next', { cache: 'no-store' });
        if (r.status !== 200) continue; // nothing yet: ask again
        cmd = await r.json();
      } catch (e) {
        await pause(500);
        continue;
      }
      if (cmd.op === 'post' && cmd.args && cmd.args.message) {
        window.postMessage(cmd.args.message, '*');
        report({ event: 'done', id: cmd.id });
      } else {
        report({ event: 'failed', id: cmd.id, detail: 'unknown command ' + cmd.op });
      }
    }
  })();
}());
