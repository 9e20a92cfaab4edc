// The load page: loaded top-level as the widget would be, it speaks the widget's request
// envelope to its host and measures the host itself, with no test round trip per request.
//   mode=ready    report the load, then idle (cold start and memory)
//   mode=rt       n requests one after the other to an unanswered path; report p50/p99
//   mode=soak     n requests in bursts, with unknown paths, malformed requests and unknown
//                 message types mixed in; report how each valid request was answered
// Results go to the page's own origin: POST /ready, POST /result.
(function () {
  'use strict';
  var params = new URLSearchParams(location.search);
  var mode = params.get('mode') || 'ready';
  var n = parseInt(params.get('n') || '10000', 10);
  var rtPath = params.get('path') || '/bench/unknown';
  var pageId = Math.random().toString(36).slice(2, 10);
  var status = document.getElementById('status');

  function post(path, body) {
    return fetch(path, { method: 'POST', body: JSON.stringify(body), keepalive: true,
                         headers: { 'Content-Type': 'application/json' } });
  }
  function delay(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  // Responses by requestId: a count per id, so a double answer shows.
  var waiting = {}, answers = {}, unmatched = 0, registered = null;
  window.addEventListener('message', function (e) {
    var d = e.data;
    if (!d || typeof d !== 'object') return;
    if (d.type === 'rc-adapter-register-third-party-service' && !registered) {
      registered = d.service ? d.service.name : '?';
      return;
    }
    if (d.type !== 'rc-post-message-response') return;
    var id = String(d.responseId);
    answers[id] = (answers[id] || 0) + 1;
    var w = waiting[id];
    if (w) { delete waiting[id]; w(d.response); } else if (answers[id] === 1) { unmatched++; }
  });

  // request posts one request and resolves with its response, or null after timeoutMs.
  function request(id, path, body, timeoutMs) {
    return new Promise(function (resolve) {
      var timer = setTimeout(function () { delete waiting[id]; resolve(null); }, timeoutMs);
      waiting[id] = function (r) { clearTimeout(timer); resolve(r); };
      window.postMessage({ type: 'rc-post-message-request', requestId: id, path: path, body: body }, '*');
    });
  }

  // clockMs is the step of performance.now(): WebKit coarsens it (to 1 ms here), which
  // bounds what one round trip's time can tell.
  function clockMs() {
    var step = Infinity;
    for (var i = 0; i < 50; i++) {
      var a = performance.now(), b;
      while ((b = performance.now()) === a) { /* spin to the next tick */ }
      step = Math.min(step, b - a);
    }
    return step;
  }

  function percentile(sorted, p) {
    if (sorted.length === 0) return 0;
    return sorted[Math.min(sorted.length - 1, Math.floor(p / 100 * sorted.length))];
  }

  function roundTrips() {
    var times = [], timeouts = 0, i = 0, started = performance.now();
    function next() {
      if (i >= n) return Promise.resolve();
      var id = 'rt-' + pageId + '-' + (i++);
      var t0 = performance.now();
      return request(id, rtPath, null, 3000).then(function (r) {
        if (r === null) timeouts++; else times.push(performance.now() - t0);
        return next();
      });
    }
    return next().then(function () {
      var total = performance.now() - started;
      times.sort(function (a, b) { return a - b; });
      return { mode: 'rt', page: pageId, path: rtPath, count: n, answered: times.length, timeouts: timeouts,
               p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), maxMs: times.length ? times[times.length - 1] : 0,
               meanMs: times.length ? total / n : 0, totalMs: total, clockMs: clockMs() };
    });
  }

  // A deterministic mix, so every run sends the same messages.
  var seed = 12345;
  function rand(k) { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 16) % k; }

  function soak() {
    var valid = [], malformed = 0, otherTypes = 0, sent = 0, timeouts = 0, errors = 0, data = 0, b = 0;
    var started = performance.now();
    function burst() {
      if (sent >= n) return Promise.resolve();
      var size = Math.min(n - sent, rand(10) === 0 ? 300 : 1 + rand(40));
      var waits = [];
      for (var k = 0; k < size; k++, sent++) {
        var r = rand(100), id = 'soak-' + pageId + '-' + sent;
        if (r < 8) { // a request the host must refuse: it breaks the envelope
          malformed++;
          var bad = [{ type: 'rc-post-message-request', path: '/bench/x', body: null },            // no requestId
                     { type: 'rc-post-message-request', requestId: '', path: '/bench/x' },         // empty requestId
                     { type: 'rc-post-message-request', requestId: id, path: 'no-slash' },          // path without /
                     { type: 'rc-post-message-request', requestId: id, path: 42 },                  // path not a string
                     { type: 'rc-post-message-request', requestId: 7, path: '/bench/x' }][r % 5];   // id not a string
          window.postMessage(bad, '*');
          continue;
        }
        if (r < 11) { // messages the host ignores: other types, not an object
          otherTypes++;
          window.postMessage(r === 8 ? { type: 'rc-call-end-notify', call: {} } : (r === 9 ? 'not an object' : { type: 42 }), '*');
          sent--; k--; // these do not count as requests
          if (otherTypes > n) break;
          continue;
        }
        var path = r < 60 ? '/bench/unknown-' + rand(50) : (r < 90 ? '/bench/unknown' : '/contacts/match');
        valid.push(id);
        waits.push(request(id, path, r < 90 ? null : { phoneNumbers: ['+16505550100'] }, 5000).then(function (resp) {
          if (resp === null) timeouts++; else if (resp.error !== undefined) errors++; else data++;
        }));
      }
      b++;
      if (b % 20 === 0) status.textContent = 'sent ' + sent + ' of ' + n;
      return Promise.all(waits).then(burst);
    }
    return burst().then(function () { return delay(1000); }).then(function () {
      var missing = [], doubled = [];
      valid.forEach(function (id) {
        var c = answers[id] || 0;
        if (c === 0 && missing.length < 20) missing.push(id);
        if (c > 1 && doubled.length < 20) doubled.push(id + 'x' + c);
      });
      var answeredOnce = valid.filter(function (id) { return answers[id] === 1; }).length;
      return { mode: 'soak', page: pageId, count: sent, valid: valid.length, malformed: malformed, otherTypes: otherTypes,
               answeredOnce: answeredOnce, errors: errors, data: data, timeouts: timeouts, unmatched: unmatched,
               missing: missing, doubled: doubled, bursts: b, totalMs: performance.now() - started };
    });
  }

  post('/ready', { page: pageId, mode: mode, href: location.href });
  // The widget announces its login first; the host registers its service on it.
  window.postMessage({ type: 'rc-login-status-notify', loggedIn: true, loginNumber: '+16505550100' }, '*');
  status.textContent = 'Ready (' + mode + ')';
  if (mode === 'ready') return;
  // Let the registration go through first, as the widget would.
  function gate() {
    if (params.get('gate') !== '1') return Promise.resolve();
    return fetch('/go', { cache: 'no-store' }).then(function (r) { if (r.status !== 200) return gate(); },
                                                    function () { return delay(200).then(gate); });
  }
  var until = performance.now() + 3000;
  (function waitRegistered() {
    if (!registered && performance.now() < until) return delay(20).then(waitRegistered);
    status.textContent = 'Waiting (' + mode + ')';
    return gate().then(function () {
      status.textContent = 'Running ' + mode + '…';
      return mode === 'rt' ? roundTrips() : soak();
    });
  })().then(function (res) {
    res.registered = registered;
    status.textContent = 'Done: ' + JSON.stringify(res);
    return post('/result', res);
  }).catch(function (e) { post('/result', { mode: mode, page: pageId, error: String(e) }); });
})();
