// The stand-in widget: speaks the RingCentral Embeddable postMessage protocol as the real
// widget does where the host can tell, and tells the test (on its own origin) all it sees.
(function () {
  'use strict';

  var params = new URLSearchParams(location.search);
  var pageId = Math.random().toString(36).slice(2, 10);
  var host = window.parent; // the widget's window itself when it is loaded top-level

  // ---- reporting to the test, in order, batched, one POST in flight ----
  var queue = [], sending = null;
  function report(r) {
    r.page = pageId;
    queue.push(r);
    flush();
  }
  function flush() {
    if (sending || queue.length === 0) return sending || Promise.resolve();
    var batch = queue; queue = [];
    sending = fetch('/report', { method: 'POST', body: JSON.stringify(batch), keepalive: true,
                                 headers: { 'Content-Type': 'application/json' } })
      .catch(function () { queue = batch.concat(queue); return delay(300); })
      .then(function () { sending = null; return flush(); });
    return sending;
  }
  function delay(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
  window.addEventListener('error', function (e) { report({ kind: 'page-error', error: String(e.message) }); });

  function storage() {
    var out = {};
    for (var i = 0; i < localStorage.length; i++) {
      var k = localStorage.key(i);
      out[k] = localStorage.getItem(k);
    }
    return out;
  }

  // ---- posting to the host; our own posts come back to our own listener when top-level ----
  var echoes = {};
  function send(msg) {
    var key = JSON.stringify(msg);
    echoes[key] = (echoes[key] || 0) + 1;
    host.postMessage(msg, '*');
    report({ kind: 'sent', type: msg.type, message: msg });
  }

  // ---- requests to the host with the widget's timeouts ----
  var pending = {};
  function timeoutFor(path) {
    if (path === '/contacts') return 60000;
    if (path === '/contacts/search' || path === '/contacts/match') return 30000;
    if (path === '/callLogger' || path === '/messageLogger') return 15000;
    return 3000;
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return 'r-' + Date.now() + '-' + Math.random().toString(16).slice(2);
  }
  // request resolves with the response, or rejects with {timeout: true} after the widget's timeout.
  function request(path, body, opts) {
    opts = opts || {};
    var requestId = uuid();
    var ms = opts.timeoutMs || timeoutFor(path);
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {
        delete pending[requestId];
        report({ kind: 'timeout', command: opts.command || 0, path: path, requestId: requestId,
                 request: body, timeoutMs: ms });
        reject({ timeout: true, path: path });
      }, ms);
      pending[requestId] = function (response) {
        clearTimeout(timer);
        report({ kind: 'response', command: opts.command || 0, path: path, requestId: requestId,
                 request: body, response: response });
        resolve(response);
      };
      send({ type: 'rc-post-message-request', requestId: requestId, path: path, body: body });
    });
  }

  // ---- state shown on the page ----
  var service = null;              // the registered third-party service
  var authorized = false, account = '';
  var contacts = [];

  function $(id) { return document.getElementById(id); }
  function status(text, isError) {
    var el = $('status');
    el.textContent = text;
    el.className = 'status' + (isError ? ' error' : '');
  }
  function showTab(name) {
    document.querySelectorAll('.tab').forEach(function (t) { t.classList.toggle('active', t.dataset.tab === name); });
    document.querySelectorAll('.panel').forEach(function (p) { p.classList.toggle('active', p.id === name); });
  }
  document.querySelectorAll('.tab').forEach(function (t) {
    t.addEventListener('click', function () { showTab(t.dataset.tab); });
  });

  function renderService() {
    $('service').hidden = !service;
    $('no-service').hidden = !!service;
    var red = !!(service && service.showAuthRedDot && !authorized);
    $('service-reddot').hidden = !red;
    $('tab-reddot').hidden = !red;
    if (!service) return;
    var name = service.displayName || service.name;
    $('service-name').textContent = name;
    $('service-badge').textContent = (name || '?').charAt(0).toUpperCase();
    var logo = $('service-logo');
    if (service.authorizationLogo && logo.dataset.src !== service.authorizationLogo) {
      logo.dataset.src = service.authorizationLogo;
      logo.onload = function () { logo.hidden = false; $('service-badge').hidden = true; };
      logo.onerror = function () { logo.hidden = true; $('service-badge').hidden = false; };
      logo.src = service.authorizationLogo;
    }
    $('service-info').textContent = service.info || '';
    $('service-info').hidden = !service.info;
    var acc = $('service-account');
    acc.textContent = authorized ? (account ? 'Connected as ' + account : 'Connected') : 'Not connected';
    acc.className = 'service-account' + (authorized ? '' : ' out');
    var btn = $('authorize');
    btn.hidden = !service.authorizationPath;
    btn.textContent = authorized ? (service.authorizedTitle || 'Unauthorize') : (service.unauthorizedTitle || 'Authorize');
    btn.className = 'authorize' + (authorized ? ' on' : '');
  }

  function renderContacts() {
    var list = $('contact-list');
    list.textContent = '';
    $('contacts-count').textContent = authorized && contacts.length ? '(' + contacts.length + ')' : '';
    if (!authorized || contacts.length === 0) {
      var li = document.createElement('li');
      li.className = 'empty';
      li.textContent = authorized ? 'No contacts.' : 'Authorize a service to see its contacts.';
      list.appendChild(li);
      return;
    }
    contacts.slice(0, 200).forEach(function (c) {
      var li = document.createElement('li');
      var av = document.createElement('span');
      av.className = 'avatar';
      av.textContent = (c.name || '?').charAt(0).toUpperCase();
      var who = document.createElement('div');
      who.className = 'who';
      var n = document.createElement('div');
      n.textContent = c.name || '(no name)';
      var p = document.createElement('div');
      p.className = 'phone';
      var phone = (c.phoneNumbers && c.phoneNumbers[0]) ? c.phoneNumbers[0].phoneNumber : '';
      p.textContent = [phone, c.company].filter(Boolean).join(' · ');
      who.appendChild(n); who.appendChild(p);
      li.appendChild(av); li.appendChild(who);
      li.addEventListener('click', function () { if (phone) { $('number').value = phone; showTab('dialer'); } });
      list.appendChild(li);
    });
  }

  function setAuthorized(on, acc) {
    var was = authorized;
    authorized = !!on;
    account = acc || '';
    // The real widget keeps the authorization state in its localStorage.
    localStorage.setItem('standin-authorized', JSON.stringify({ authorized: authorized, account: account }));
    renderService();
    if (authorized && !was) fetchContacts();
    if (!authorized) { contacts = []; renderContacts(); }
    status(service ? (service.displayName || service.name) + (authorized ? ': connected' : ': not connected') : '');
  }

  // fetchContacts pages through the service's contactsPath the way the widget syncs them;
  // like the widget, it asks nothing of a service that registered no contacts.
  function fetchContacts() {
    if (!service || !service.contactsPath) return;
    var all = [], page = 1;
    function next() {
      return request(service.contactsPath, { page: page, syncTimestamp: null }).then(function (res) {
        if (!res || res.error || !Array.isArray(res.data)) {
          status('Contacts: ' + ((res && res.error) || 'bad response'), true);
          return;
        }
        all = all.concat(res.data.filter(function (c) { return !c.deleted; }));
        if (res.nextPage && page < 50) { page = res.nextPage; return next(); }
        contacts = all;
        renderContacts();
        status('Synced ' + all.length + ' contacts');
      });
    }
    next().catch(function (e) { status('Contacts: ' + (e && e.timeout ? 'timed out' : e), true); });
  }

  $('authorize').addEventListener('click', function () {
    if (!service || !service.authorizationPath) return;
    status('Waiting for ' + (service.displayName || service.name) + '…');
    request(service.authorizationPath, { authorized: authorized }).catch(function (e) {
      status('Authorization: ' + (e && e.timeout ? 'no answer from the app' : e), true);
    });
  });

  // ---- the dialer ----
  var keys = [['1', ''], ['2', 'ABC'], ['3', 'DEF'], ['4', 'GHI'], ['5', 'JKL'], ['6', 'MNO'],
              ['7', 'PQRS'], ['8', 'TUV'], ['9', 'WXYZ'], ['*', ''], ['0', '+'], ['#', '']];
  keys.forEach(function (k) {
    var b = document.createElement('button');
    b.className = 'key';
    b.innerHTML = k[0] + '<small>' + (k[1] || '&nbsp;') + '</small>';
    b.addEventListener('click', function () { $('number').value += k[0]; });
    $('keypad').appendChild(b);
  });
  $('call').addEventListener('click', function () {
    var n = $('number').value.trim();
    if (n) status('Calling ' + n + '…');
  });

  // ---- messages from the host ----
  function onHostMessage(data) {
    switch (data.type) {
      case 'rc-post-message-response':
        var done = pending[data.responseId];
        if (!done) {
          report({ kind: 'unmatched', requestId: String(data.responseId), message: data });
          return;
        }
        delete pending[data.responseId];
        done(data.response);
        return;
      case 'rc-adapter-register-third-party-service':
        if (!data.service || !data.service.name) {
          report({ kind: 'ignored', type: data.type, message: data, error: 'service without name' });
          return;
        }
        service = data.service;
        setAuthorized(!!service.authorized, service.authorizedAccount);
        return;
      case 'rc-adapter-update-authorization-status':
        if (!service) {
          // The real widget ignores this until a service is registered.
          report({ kind: 'ignored', type: data.type, message: data, error: 'no service registered' });
          return;
        }
        setAuthorized(!!data.authorized, data.authorizedAccount);
        return;
      case 'rc-adapter-new-call':
        $('number').value = data.phoneNumber || '';
        showTab('dialer');
        status((data.toCall ? 'Calling ' : 'Dial ') + (data.phoneNumber || ''));
        return;
      case 'rc-adapter-new-sms':
        status('New SMS to ' + (data.phoneNumber || ''));
        return;
      case 'rc-adapter-navigate-to':
        status('Navigate to ' + data.path);
        return;
      case 'rc-adapter-sync-third-party-contacts':
        if (authorized) fetchContacts();
        return;
      case 'rc-adapter-authorization-code':
        status('Signing in to RingCentral…');
        return;
      case 'rc-adapter-message-request':
        send({ type: 'rc-adapter-message-response', responseId: data.requestId, response: { data: 'ok' } });
        return;
    }
  }

  window.addEventListener('message', function (e) {
    var data = e.data;
    var echo = false;
    try {
      var key = JSON.stringify(data);
      if (e.source === window && echoes[key]) { echoes[key]--; echo = true; }
    } catch (err) { /* not JSON-able: report as is */ }
    report({ kind: 'message', type: data && data.type ? String(data.type) : '', message: data,
             origin: e.origin, fromSelf: e.source === window, echo: echo });
    if (echo || !data || typeof data !== 'object') return;
    // Like the widget: only what the parent (here: our own window, the host's) sends counts.
    if (e.source !== host) {
      report({ kind: 'ignored', type: String(data.type || ''), message: data, error: 'not from the parent window' });
      return;
    }
    onHostMessage(data);
  });

  // ---- commands from the test ----
  function run(c) {
    var done = function (extra) {
      var r = { kind: 'result', command: c.id };
      for (var k in extra || {}) r[k] = extra[k];
      report(r);
    };
    switch (c.op) {
      case 'request':
        request(c.path, c.body, { command: c.id, timeoutMs: c.timeoutMs }).catch(function () {});
        return;
      case 'post':
        send(c.message);
        done();
        return;
      case 'storage-set':
        localStorage.setItem(c.key, c.value);
        done({ storage: storage() });
        return;
      case 'storage-get':
        done({ storage: storage() });
        return;
      case 'show':
        showTab(c.value);
        afterPaint(done);
        return;
      case 'authorize-click':
        $('authorize').click();
        done();
        return;
      case 'reload':
        done();
        flush().then(function () { location.reload(); });
        return;
      case 'attack':
        var f = document.createElement('iframe');
        f.src = c.url;
        f.style.cssText = 'width:0;height:0;border:0;position:absolute';
        document.body.appendChild(f);
        done();
        return;
      default:
        done({ error: 'unknown command ' + c.op });
    }
  }

  // afterPaint calls f once the change is on screen (two frames), or after 1 s in a window that
  // does not paint (hidden): a screenshot taken after a command must show its result.
  function afterPaint(f) {
    var called = false;
    var once = function () { if (!called) { called = true; f(); } };
    requestAnimationFrame(function () { requestAnimationFrame(once); });
    setTimeout(once, 1000);
  }

  function poll() {
    fetch('/next-command?page=' + pageId, { cache: 'no-store' }).then(function (res) {
      if (res.status === 200) return res.json().then(function (c) { try { run(c); } catch (e) { report({ kind: 'result', command: c.id, error: String(e) }); } });
      if (res.status !== 204) return delay(500);
    }).catch(function () { return delay(500); }).then(poll);
  }

  // ---- start, as the widget does ----
  if (params.get('loginNumber')) $('login-number').textContent = params.get('loginNumber');
  renderService();
  renderContacts();
  showTab('dialer');
  status('Ready');
  report({ kind: 'load', url: location.href, storage: storage() });
  poll();
  // The widget tells its host who is logged in, then that the dialer is ready. A test can
  // turn these off with standinEvents=none (or pick: standinEvents=login).
  var events = (params.get('standinEvents') || 'login,dialer').split(',');
  if (events.indexOf('login') >= 0) {
    send({ type: 'rc-login-status-notify', loggedIn: true, loginNumber: '+16505550100', contractedCountryCode: 'US', admin: false });
  }
  if (events.indexOf('adapter') >= 0) {
    send({ type: 'rc-adapter-pushAdapterState', size: { width: 300, height: 500 }, minimized: false, closed: false, position: 'bottom-right' });
  }
  if (events.indexOf('dialer') >= 0) {
    send({ type: 'rc-dialer-status-notify', ready: true });
  }
})();
