// The stand-in widget: behaves towards its host as RingCentral Embeddable 2.3.1 does, as
// /work/shared/PROTOCOL.md records it (observed running the real widget in this app), and
// tells the test (on its own origin) all it sees. Each behaviour names the PROTOCOL.md
// section it follows, as [P: section]. Where PROTOCOL.md is silent, the comment names the
// widget's source file it was read from, as [src: path].
(function () {
  'use strict';

  var params = new URLSearchParams(location.search);
  var pageId = Math.random().toString(36).slice(2, 10);
  // [P: Transport] The widget posts to window.parent with '*'; top-level that is its own
  // window, so it receives its own posts too.
  var host = window.parent;

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

  // ---- posting to the host ----
  var echoes = {};
  function send(msg) {
    var key = JSON.stringify(msg);
    echoes[key] = (echoes[key] || 0) + 1;
    host.postMessage(msg, '*'); // [P: Transport] always '*'
    report({ kind: 'sent', type: msg.type, message: msg });
  }

  // ---- requests to the host [P: Envelope of requests from the widget] ----
  var pending = {};
  // timeoutFor: the widget's timeout for what the path is used for (the service's paths, or
  // the app's usual ones before a registration names them).
  function timeoutFor(path) {
    var s = service || {};
    if (path === s.contactsPath || path === '/contacts') return 60000;
    if ([s.contactSearchPath, s.contactMatchPath, '/contacts/search', '/contacts/match'].indexOf(path) >= 0) return 30000;
    if ([s.callLoggerPath, s.messageLoggerPath, '/callLogger', '/messageLogger'].indexOf(path) >= 0) return 15000;
    return 3000;
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return 'r-' + Date.now() + '-' + Math.random().toString(16).slice(2);
  }
  // request resolves with the response, or rejects with {timeout: true} after the widget's
  // timeout. Like requestWithPostMessage.js, any rc-post-message-response with the id
  // settles it, whoever posted it [P: Transport: no origin or source check].
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

  // ---- state ----
  // The widget's own RingCentral login, kept in localStorage as the widget keeps it
  // [P: Third-party service: "What the widget persists is its own RingCentral login"].
  var LOGIN_KEY = 'standin-rc-login';
  var loggedIn = false;
  var pkce = null;                // {verifier, state} of the login started on this page, in memory only
  var dialerReady = null;         // what rc-dialer-status-notify last said
  var route = null;
  var service = null;             // the registered third-party service
  // [P: Third-party service] authorized is in memory only: null until a registration.
  var authorized = null, account = '';
  var contacts = [], syncTimestamp = null, syncing = null;  // [P: Contacts] memory only
  var matches = {};               // number -> [contact], from the host's match answers
  // The call history whose numbers are matched on authorization: E.164 and an extension
  // number [P: Contacts: match].
  var CALL_HISTORY = ['+15551230001', '+12015550124', '101'];
  // [observed with the real widget] callerIds maps the history's numbers that have a caller
  // ID name to it, an extension's included: {"102": "Ext One-O-Two", ...}.
  var CALLER_IDS = { '+15551230001': 'WIRELESS CALLER', '101': 'Front Desk' };
  var LOGIN_NUMBER = '+16505550100*101';

  function $(id) { return document.getElementById(id); }
  function status(text, isError) {
    var el = $('status');
    el.textContent = text;
    el.className = 'status' + (isError ? ' error' : '');
  }

  // ---- routes and tabs [P: Events from the widget: rc-route-changed-notify] ----
  function setRoute(path) {
    var tab = path.replace(/^\//, '');
    if (['dialer', 'contacts', 'settings'].indexOf(tab) >= 0) {
      document.querySelectorAll('.tab').forEach(function (t) { t.classList.toggle('active', t.dataset.tab === tab); });
      document.querySelectorAll('.panel').forEach(function (p) { p.classList.toggle('active', p.id === tab); });
    }
    if (route === path) return;
    route = path;
    send({ type: 'rc-route-changed-notify', path: path });
    // [observed with the real widget] opening the Contacts tab syncs the contacts: type
    // absent, the kept syncTimestamp (so an {error} answer empties the list there too).
    if (path === '/contacts' && loggedIn) fetchContacts(undefined);
  }
  document.querySelectorAll('.tab').forEach(function (t) {
    t.addEventListener('click', function () { setRoute('/' + t.dataset.tab); });
  });

  // ---- the widget's RingCentral login [P: The widget's own login without popups] ----
  function appServer() {
    var s = params.get('appServer');
    return s && s.indexOf('https://') === 0 ? s : 'https://platform.ringcentral.com'; // [P: Loading]
  }
  function redirectUri() {
    // [P: Loading] default: ./redirect.html next to app.html
    return params.get('redirectUri') || new URL('./redirect.html', location.href).href;
  }
  function b64url(bytes) {
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function randomString() { return b64url(crypto.getRandomValues(new Uint8Array(32))); }
  // openLoginPage starts a login: the PKCE verifier stays in this page's memory, so a
  // reload before the callback loses it. authorizeUrl is a test's override of
  // <appServer>/restapi/oauth/authorize (a loopback stand-in of RingCentral's login).
  function openLoginPage(authorizeUrl) {
    var verifier = randomString(), state = randomString();
    return crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)).then(function (hash) {
      pkce = { verifier: verifier, state: state };
      var q = new URLSearchParams({ response_type: 'code', client_id: params.get('clientId') || '',
        redirect_uri: redirectUri(), state: state, code_challenge: b64url(new Uint8Array(hash)),
        code_challenge_method: 'S256', display: 'page' });
      var uri = (authorizeUrl || appServer() + '/restapi/oauth/authorize') + '?' + q.toString();
      if (/^(1|true)$/.test(params.get('disableLoginPopup') || '')) {
        send({ type: 'rc-login-popup-notify', oAuthUri: uri });
      } else {
        window.open(uri);
      }
      return uri;
    });
  }
  // [P: login step 3] Any message with a top-level callbackUri logs in: no origin, source,
  // type or state check. A jwt in it logs in at once; a code needs the PKCE verifier this
  // page holds (or a code_verifier in the URL) [src: src/modules/OAuth/index.ts].
  function onCallbackUri(data) {
    var url;
    try { url = new URL(String(data.callbackUri)); } catch (e) {
      report({ kind: 'ignored', type: String(data.type || ''), message: data, error: 'callbackUri is not a URL' });
      return;
    }
    var q = url.searchParams;
    if (q.get('error')) {
      status('RingCentral login: ' + q.get('error'), true);
      report({ kind: 'ignored', type: String(data.type || ''), message: data, error: 'login refused: ' + q.get('error') });
      return;
    }
    if (q.get('jwt')) { completeLogin(true); return; }
    var verifier = q.get('code_verifier') || (pkce && pkce.verifier);
    if (!q.get('code') || !verifier) {
      status('RingCentral login failed', true);
      report({ kind: 'ignored', type: String(data.type || ''), message: data,
               error: q.get('code') ? 'no PKCE verifier in this page (was it reloaded since the login started?)' : 'no code' });
      return;
    }
    pkce = null;
    completeLogin(true);
  }
  // [P: Start-up order] loggedIn:true carries loginNumber, admin, features, isFreshLogin.
  function loginStatus(fresh) {
    var msg = { type: 'rc-login-status-notify', loggedIn: loggedIn, admin: false, isFreshLogin: fresh };
    if (loggedIn) {
      msg.loginNumber = LOGIN_NUMBER;
      msg.contractedCountryCode = 'US';
      msg.features = { sms: true, meeting: true, glip: false, smartNote: false, call: true, ringSenseInsights: false };
    } else {
      msg.features = {};
    }
    send(msg);
  }
  function completeLogin(fresh) {
    loggedIn = true;
    localStorage.setItem(LOGIN_KEY, JSON.stringify({ loginNumber: LOGIN_NUMBER }));
    loginStatus(fresh);
    render();
    setRoute('/dialer');
    checkDialer();
    status('Logged in to RingCentral');
  }
  function logout() {
    if (!loggedIn) return;
    loggedIn = false;
    localStorage.removeItem(LOGIN_KEY);
    loginStatus(null);
    render();
    setRoute('/login');
    checkDialer();
  }
  $('login-button').addEventListener('click', function () { openLoginPage(); });

  // ---- the dialer ----
  // [P: Calling (observed)] the web phone needs WebSocket, MediaStream, RTCPeerConnection and
  // getUserMedia; WebKitGTK without WebRTC has no RTCPeerConnection, so no call can start.
  function canCall() {
    return !!(window.WebSocket && window.MediaStream && window.RTCPeerConnection &&
              navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  }
  // [P: Events: rc-dialer-status-notify] starts false and stays false while the web phone
  // cannot connect; posted when it changes [src: src/modules/Adapter/index.js
  // _checkDialUIStatusChanged].
  function checkDialer() {
    var ready = loggedIn && canCall();
    $('webphone-badge').hidden = !loggedIn || canCall();
    if (ready === dialerReady) return;
    dialerReady = ready;
    send({ type: 'rc-dialer-status-notify', ready: ready });
  }
  function call(number) {
    if (!number) return false;
    if (!dialerReady) {
      status('Sorry, making calls using this browser is not supported', true);
      return false;
    }
    status('Calling ' + number + '…');
    return true;
  }
  var keys = [['1', ''], ['2', 'ABC'], ['3', 'DEF'], ['4', 'GHI'], ['5', 'JKL'], ['6', 'MNO'],
              ['7', 'PQRS'], ['8', 'TUV'], ['9', 'WXYZ'], ['*', ''], ['0', '+'], ['#', '']];
  keys.forEach(function (k) {
    var b = document.createElement('button');
    b.className = 'key';
    b.innerHTML = k[0] + '<small>' + (k[1] || '&nbsp;') + '</small>';
    b.addEventListener('click', function () { $('number').value += k[0]; });
    $('keypad').appendChild(b);
  });
  $('call').addEventListener('click', function () { call($('number').value.trim()); });

  // ---- the third-party service [P: Third-party service] ----
  function validLogo(uri) {
    // kept only when it starts with http://, https:// or data:image
    if (!uri) return null;
    uri = String(uri);
    return /^(https?:\/\/|data:image)/.test(uri) ? uri : null;
  }
  // sourceReady: contacts, search and match are off while the service is registered with
  // authorization and not authorized [P: Contacts: not requested while authorized is false].
  function sourceReady() { return !!service && !(authorized !== null && !authorized); }

  function register(data) {
    var s = data.service;
    if (!s || !s.name) {
      report({ kind: 'ignored', type: data.type, message: data, error: 'service without name' });
      return;
    }
    service = {};
    for (var k in s) service[k] = s[k];
    service.authorizationLogo = validLogo(s.authorizationLogo);
    var old = authorized;
    if (s.authorizationPath) {
      setAuthorized(s.authorized, s.authorizedAccount);
    } else {
      setAuthorized(true, ''); // without authorizationPath the service counts as authorized
    }
    // Every registration while authorized fetches contacts again.
    if (authorized && old === authorized) authorizedChanged(true);
  }
  // setAuthorized keeps the value as given (the widget does: undefined stays undefined).
  function setAuthorized(value, acc) {
    var old = authorized;
    authorized = value;
    account = acc || '';
    render();
    if (old !== value) authorizedChanged(value);
  }
  // authorizedChanged: on authorization (and on every registration while authorized) the
  // widget fetches contacts and matches the call history's numbers [P: Contacts: match];
  // unauthorized, it hides the source [P: Contacts].
  function authorizedChanged(on) {
    if (!on) {
      status(service ? displayName() + ': not connected' : '');
      return; // hidden; the contacts stay in memory
    }
    status(displayName() + ': connected');
    fetchContacts(undefined);
    matchNumbers(CALL_HISTORY);
  }
  function displayName() { return service.displayName || service.name; }

  $('authorize').addEventListener('click', function () { clickAuthorize(); });
  // [P: /authorize] body {authorized: <current state>}; the response is ignored entirely.
  function clickAuthorize() {
    if (!service || !service.authorizationPath) return;
    status('Waiting for ' + displayName() + '…');
    request(service.authorizationPath, { authorized: authorized }).then(function () {}, function () {
      /* a timeout is only a console error in the widget */
    });
  }

  // ---- contacts [P: Contacts (observed)] ----
  // formatContacts: every phone entry gets a phoneType, 'unknown' when missing
  // [src: src/modules/ThirdPartyService/helper.ts].
  function formatContacts(list) {
    return list.map(function (c) {
      var out = {};
      for (var k in c) out[k] = c[k];
      if (Array.isArray(c.phoneNumbers)) {
        out.phoneNumbers = c.phoneNumbers.map(function (p) {
          return { phoneNumber: p && p.phoneNumber, phoneType: (p && p.phoneType) || 'unknown' };
        });
      }
      return out;
    });
  }
  // fetchPages: every page carries the same old syncTimestamp; the first page's returned
  // syncTimestamp is kept; a page without an array data ends the list there.
  function fetchPages(page, type, ts) {
    return request(service.contactsPath, { page: page, syncTimestamp: ts, type: type }).then(function (res) {
      if (!res || typeof res !== 'object') throw new Error('no response object'); // the destructuring throws
      if (!Array.isArray(res.data)) return { contacts: [], syncTimestamp: res.syncTimestamp };
      var list = formatContacts(res.data);
      if (!res.nextPage) return { contacts: list, syncTimestamp: res.syncTimestamp };
      return fetchPages(res.nextPage, type, ts).then(function (next) {
        return { contacts: list.concat(next.contacts), syncTimestamp: res.syncTimestamp };
      });
    });
  }
  // fetchContacts: type undefined on first load and after authorization, 'manual' from the
  // refresh button, 'api' after rc-adapter-sync-third-party-contacts. A sync under way is
  // joined, not repeated. Sent a timestamp and got one: merge (drop the ids received, add
  // those not deleted); otherwise replace, so an {error} empties the list and resets the
  // timestamp. A timeout keeps the old list.
  function fetchContacts(type) {
    if (!service || !service.contactsPath) return Promise.resolve();
    if (authorized !== null && !authorized) return Promise.resolve();
    if (syncing) return syncing;
    var sent = syncTimestamp;
    syncing = fetchPages(1, type, sent).then(function (r) {
      if (sent && r.syncTimestamp) {
        var got = {};
        r.contacts.forEach(function (c) { got[c.id] = true; });
        contacts = contacts.filter(function (c) { return !got[c.id]; })
          .concat(r.contacts.filter(function (c) { return !c.deleted; }));
      } else {
        contacts = r.contacts;
      }
      syncTimestamp = r.syncTimestamp || null;
      status('Synced ' + contacts.length + ' contacts');
    }, function (e) {
      status('Contacts: ' + (e && e.timeout ? 'timed out' : String(e)), true);
    }).then(function () {
      syncing = null;
      renderContacts();
      report({ kind: 'contacts', state: state() });
    });
    return syncing;
  }
  $('refresh').addEventListener('click', function () { fetchContacts('manual'); });

  // [P: Contacts: search] non-empty only; the answer is re-filtered: a phone entry stays if
  // "<firstName> <lastName> <name>" lower-cased contains the query, or its number contains
  // it verbatim; a kept entry without phoneType throws [src: src/lib/searchContactPhoneNumbers.js].
  function searchContactPhoneNumbers(list, searchString, entityType) {
    var searchText = searchString.toLowerCase();
    var result = [];
    list.forEach(function (item) {
      var name = item.name || (item.firstName + ' ' + item.lastName);
      var nameSearched = (item.firstName + ' ' + item.lastName + ' ' + item.name).toLowerCase();
      if (!item.phoneNumbers) return;
      item.phoneNumbers.forEach(function (p) {
        if (nameSearched.indexOf(searchText) >= 0 || (p.phoneNumber && p.phoneNumber.indexOf(searchText) >= 0)) {
          result.push({ id: item.id + p.phoneNumber, name: name, type: item.type, phoneNumber: p.phoneNumber,
                        phoneType: p.phoneType.replace('Phone', ''), entityType: entityType, contactId: item.id });
        }
      });
    });
    return result;
  }
  function search(searchString) {
    if (!searchString || !sourceReady() || !service.contactSearchPath) return Promise.resolve([]);
    return request(service.contactSearchPath, { searchString: searchString }).then(function (res) {
      return res && Array.isArray(res.data) ? res.data : [];
    }, function () { return []; }).then(function (data) {
      return searchContactPhoneNumbers(data, searchString, service.name);
    });
  }
  // [observed with the real widget] contactSearchPath serves the dialer's "Enter a name or
  // number" field (and the other recipient fields), not the Contacts tab: its search box
  // filters the list the widget holds (filterContacts below) and asks the host nothing.
  var searchTimer = null;
  $('number').addEventListener('input', function () {
    clearTimeout(searchTimer);
    var q = $('number').value;
    searchTimer = setTimeout(function () { runSearch(q, 0); }, 300);
  });
  $('search').addEventListener('input', function () { renderContacts(); });

  // [observed with the real widget] The Contacts tab's filter keeps a contact whose name, or
  // "<firstName> <lastName>", lower-cased contains the query, or one of whose numbers
  // contains it verbatim (no normalisation: "0107" finds +13125550107, "555-0107" does not),
  // or whose e-mail equals it (the whole address, lower-cased); a company alone finds nothing
  // [src: @ringcentral-integration/commons lib/contactHelper.js isSearchHitContact, used by
  // ThirdPartyService.filterContacts].
  function isSearchHit(c, lowerSearch) {
    var first = [c.firstName, c.lastName].map(function (x) { return x && String(x).trim(); })
      .filter(function (x) { return !!x; }).join(' ').toLowerCase();
    return (!!c.name && String(c.name).toLowerCase().indexOf(lowerSearch) >= 0) ||
      first.indexOf(lowerSearch) >= 0 ||
      (Array.isArray(c.phoneNumbers) && c.phoneNumbers.some(function (p) {
        return p && p.phoneNumber && String(p.phoneNumber).indexOf(lowerSearch) >= 0;
      })) ||
      (!!c.email && String(c.email).toLowerCase() === lowerSearch) ||
      (Array.isArray(c.emails) && c.emails.map(function (e) { return e && String(e).toLowerCase(); }).indexOf(lowerSearch) >= 0);
  }
  function filterContacts(list, q) {
    if (!q || !q.trim()) return list;
    var lower = q.toLowerCase();
    return list.filter(function (c) { return isSearchHit(c, lower); });
  }
  function runSearch(q, command) {
    return search(q).then(function (results) {
      renderSearch(q, results);
      report({ kind: 'search', command: command, result: { searchString: q, results: results } });
    }, function (e) {
      status('Search failed: ' + e, true);
      report({ kind: 'search', command: command, result: { searchString: q, results: [] }, error: String(e) });
    });
  }

  // [P: Contacts: match] body {phoneNumbers, callerIds}; the answer is read by the numbers asked.
  function matchNumbers(numbers) {
    if (!sourceReady() || !service.contactMatchPath) return Promise.resolve();
    var callerIds = {};
    numbers.forEach(function (n) { if (CALLER_IDS[n]) callerIds[n] = CALLER_IDS[n]; });
    return request(service.contactMatchPath, { phoneNumbers: numbers, callerIds: callerIds }).then(function (res) {
      var data = res && res.data;
      if (!data || Object.keys(data).length === 0) return;
      numbers.forEach(function (n) {
        matches[n] = Array.isArray(data[n]) ? data[n].map(function (c) {
          var out = {};
          for (var k in c) out[k] = c[k];
          out.entityType = c.entityType || c.type;
          return out;
        }) : [];
      });
    }, function () {});
  }

  // ---- rendering ----
  function render() {
    $('login').hidden = loggedIn;
    $('tabs').hidden = !loggedIn;
    $('main').hidden = !loggedIn;
    $('login-number').textContent = loggedIn ? LOGIN_NUMBER : '';
    $('service').hidden = !service;
    $('no-service').hidden = !!service;
    var red = !!(service && service.showAuthRedDot && authorized !== null && !authorized);
    $('service-reddot').hidden = !red;
    $('tab-reddot').hidden = !red;
    renderContacts();
    if (!service) return;
    $('service-name').textContent = displayName();
    $('service-badge').textContent = (displayName() || '?').charAt(0).toUpperCase();
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
  function contactItem(name, phone, extra) {
    var li = document.createElement('li');
    var av = document.createElement('span');
    av.className = 'avatar';
    av.textContent = (name || '?').charAt(0).toUpperCase();
    var who = document.createElement('div');
    who.className = 'who';
    var n = document.createElement('div');
    n.textContent = name || '(no name)';
    var p = document.createElement('div');
    p.className = 'phone';
    p.textContent = [phone, extra].filter(Boolean).join(' · ');
    who.appendChild(n); who.appendChild(p);
    li.appendChild(av); li.appendChild(who);
    li.addEventListener('click', function () {
      if (!phone) return;
      $('number').value = phone;
      $('dialer-results').hidden = true;
      setRoute('/dialer');
    });
    return li;
  }
  function renderList(list, items, empty) {
    list.textContent = '';
    if (items.length === 0) {
      var li = document.createElement('li');
      li.className = 'empty';
      li.textContent = empty;
      list.appendChild(li);
      return;
    }
    items.slice(0, 200).forEach(function (li) { list.appendChild(li); });
  }
  // shownContacts is what the Contacts tab lists: the source's contacts, filtered by its box.
  function shownContacts() {
    var all = sourceReady() && service.contactsPath ? contacts : [];
    return filterContacts(all, $('search').value);
  }
  function renderContacts() {
    var shown = shownContacts(), q = $('search').value;
    $('contacts-count').textContent = shown.length ? '(' + shown.length + ')' : '';
    renderList($('contact-list'), shown.map(function (c) {
      var phone = (c.phoneNumbers && c.phoneNumbers[0]) ? c.phoneNumbers[0].phoneNumber : '';
      return contactItem(c.name, phone, c.company);
    }), !sourceReady() ? 'Authorize a service to see its contacts.' : q && q.trim() ? 'No records found.' : 'No contacts.');
  }
  function renderSearch(q, results) {
    var box = $('dialer-results');
    box.hidden = !q;
    if (!q) return;
    renderList(box, results.map(function (r) { return contactItem(r.name, r.phoneNumber, r.phoneType); }), 'No match for "' + q + '".');
  }

  function state() {
    return { loggedIn: loggedIn, dialerReady: !!dialerReady, canCall: canCall(), route: route,
             service: service ? service.name : null, authorized: authorized === undefined ? null : authorized,
             account: account, contacts: contacts, syncTimestamp: syncTimestamp === undefined ? null : syncTimestamp,
             matches: matches, verifier: !!pkce };
  }

  // ---- messages to the widget ----
  // [P: Transport] nothing received is checked for origin or source: a frame of any origin
  // that posts to this window drives the widget as its host would.
  function onMessage(data) {
    if (data.callbackUri) { onCallbackUri(data); return; } // [P: login step 3] any type
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
        register(data);
        return;
      case 'rc-adapter-update-authorization-status':
        // [P: Third-party service] ignored until a registration with authorizationPath on this
        // page; the widget's test is `authorized !== null` [src: ThirdPartyService/index.ts].
        if (authorized === null) {
          report({ kind: 'ignored', type: data.type, message: data, error: 'no service registered with authorizationPath' });
          return;
        }
        setAuthorized(!!data.authorized, data.authorizedAccount);
        return;
      case 'rc-adapter-new-call':
        // Taken only while logged in to RingCentral; toCall starts the call if the dialer can
        // [src: src/modules/Adapter/index.js _newCall].
        if (!loggedIn) {
          report({ kind: 'ignored', type: data.type, message: data, error: 'not logged in to RingCentral' });
          return;
        }
        setRoute('/dialer');
        $('number').value = data.phoneNumber || '';
        // [observed with the real widget] the number is searched like a typed one: the host's
        // contactSearchPath gets it as the searchString, and the dropdown names the contact.
        runSearch(data.phoneNumber || '', 0);
        if (data.toCall) call(data.phoneNumber); else status('Dial ' + (data.phoneNumber || ''));
        return;
      case 'rc-adapter-new-sms':
        status('New SMS to ' + (data.phoneNumber || ''));
        return;
      case 'rc-adapter-navigate-to':
        if (data.path) setRoute(String(data.path));
        return;
      case 'rc-adapter-sync-third-party-contacts':
        fetchContacts('api').then(function () { return matchNumbers(Object.keys(matches)); });
        return;
      case 'rc-adapter-trigger-contact-match':
        if (Array.isArray(data.phoneNumbers)) matchNumbers(data.phoneNumbers);
        return;
      case 'rc-adapter-logout':
        logout();
        return;
      case 'rc-adapter-login':
        if (!loggedIn) openLoginPage();
        return;
      case 'rc-adapter-message-request':
        // [P: Commands to the widget] answered per path, {data: 'no matched path'} otherwise
        // [src: src/modules/Adapter/index.js _handleRCAdapterMessageRequest].
        if (!data.path) return;
        var response;
        switch (data.path) {
          case '/dismiss-alert-message': status(''); response = 'ok'; break;
          case '/custom-alert-message': status(String((data.body && data.body.message) || data.alertMessage || '')); response = 'standin-alert-' + pageId; break;
          case '/check-popup-window': response = false; break;
          default: response = { data: 'no matched path' };
        }
        send({ type: 'rc-adapter-message-response', responseId: data.requestId, response: response });
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
    onMessage(data);
  });

  // ---- commands from the test ----
  function run(c) {
    var done = function (extra) {
      var r = { kind: 'result', command: c.id };
      for (var k in extra || {}) r[k] = extra[k];
      report(r);
    };
    var fail = function (e) { done({ error: String(e && e.message || e) }); };
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
        if (!loggedIn) { done({ error: 'not logged in to RingCentral: only the login page shows' }); return; }
        setRoute('/' + c.value);
        afterPaint(done);
        return;
      case 'authorize-click':
        if (!loggedIn) { done({ error: 'not logged in to RingCentral: the settings are not reachable' }); return; }
        if (!service || !service.authorizationPath) { done({ error: 'no service with an Authorize button' }); return; }
        clickAuthorize();
        done();
        return;
      case 'login':
        openLoginPage(c.url).then(function (uri) { done({ url: uri }); }, fail);
        return;
      case 'logout':
        logout();
        done();
        return;
      case 'search':
        setRoute('/dialer');
        $('number').value = c.value || '';
        runSearch(c.value, c.id);
        return;
      case 'filter':
        if (!loggedIn) { done({ error: 'not logged in to RingCentral: the contacts are not reachable' }); return; }
        setRoute('/contacts');
        $('search').value = c.value || '';
        renderContacts();
        afterPaint(function () {
          done({ state: state(), result: { searchString: c.value || '',
            names: shownContacts().map(function (x) { return x.name; }) } });
        });
        return;
      case 'refresh':
        fetchContacts('manual').then(function () { done({ state: state() }); });
        return;
      case 'state':
        done({ state: state() });
        return;
      case 'ring':
        // An incoming call as the web phone reports it [P: Events from the widget:
        // rc-call-ring-notify]: from/to are strings. A real widget rings only with a working
        // web phone; this hook rings regardless, for the host's notification.
        var m = c.message || {};
        var from = String(m.from || '');
        send({ type: 'rc-call-ring-notify', call: {
          id: 'standin-call-' + c.id, sessionId: 'standin-session-' + c.id, direction: 'Inbound',
          callStatus: 'webphone-session-connecting', from: from, fromUserName: m.fromUserName || '',
          to: LOGIN_NUMBER.split('*')[0], toUserName: 'Stand-in User', startTime: Date.now(),
          creationTime: Date.now(), contactMatch: (matches[from] || [])[0] } });
        done();
        return;
      case 'inbound-message':
        // An incoming SMS [P: Events from the widget: rc-inbound-message-notify]: the message
        // is the platform's message-store record as the widget got it (observed with the real
        // widget: from {phoneNumber, name?}, no contact match in it).
        var im = c.message || {}, now = new Date().toISOString(), mid = 'standin-msg-' + c.id;
        var from = { phoneNumber: String(im.from || '') };
        if (im.fromName) from.name = String(im.fromName);
        send({ type: 'rc-inbound-message-notify', message: {
          id: mid, uri: appServer() + '/restapi/v1.0/account/~/extension/~/message-store/' + mid,
          type: 'SMS', direction: 'Inbound', from: from,
          to: [{ phoneNumber: LOGIN_NUMBER.split('*')[0], name: 'Stand-in User' }],
          subject: String(im.subject || ''), readStatus: 'Unread', messageStatus: 'Received',
          availability: 'Alive', priority: 'Normal', attachments: [], conversationId: 'standin-conv',
          creationTime: now, lastModifiedTime: now } });
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

  // ---- start, in the widget's order [P: Start-up order (observed)] ----
  // rc-dialer-status-notify {ready:false} -> rc-adapter-pushAdapterState -> rc-route-changed-notify
  // -> rc-login-status-notify {loggedIn:false, features:{}, isFreshLogin:null}, then after a
  // login {loggedIn:true, ...}. A login kept in localStorage is announced as loggedIn:true
  // directly [src: src/modules/Adapter/index.js _checkLoginStatus]; a jwt URL parameter logs in
  // without UI [P: Loading].
  render();
  status('Starting…');
  report({ kind: 'load', url: location.href, storage: storage() });
  poll();
  checkDialer();
  send({ type: 'rc-adapter-pushAdapterState', size: { width: 300, height: 500 }, minimized: false,
         closed: false, position: 'bottom-right', telephonyStatus: null, userStatus: null, dndStatus: null });
  var kept = localStorage.getItem(LOGIN_KEY);
  if (kept) {
    loggedIn = true;
    render();
    setRoute('/dialer');
    loginStatus(false);
    checkDialer();
    status('Ready');
  } else {
    setRoute('/login');
    loginStatus(null);
    if (params.get('jwt')) completeLogin(true);
    else status('Log in to RingCentral');
  }
})();
