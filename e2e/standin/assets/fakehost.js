// A minimal host for testing the stand-in without the app, loaded only with standinHost=1:
// it does in the page what the app's injected host script and Go side do, and scripts the
// contact answers the stand-in's own test checks (merge, replace, the search re-filter).
(function () {
  'use strict';
  var origin = location.origin, registered = false, authorized = false, syncs = 0;
  function post(m) { window.postMessage(m, origin); }
  function service() {
    return { name: 'FakeHost', displayName: 'Fake CRM', info: 'The stand-in test host',
      authorizationPath: '/authorize', contactsPath: '/contacts', contactSearchPath: '/contacts/search',
      contactMatchPath: '/contacts/match', authorizedTitle: 'Unauthorize', unauthorizedTitle: 'Authorize',
      authorized: authorized, authorizationLogo: '/no-such-logo.png', showAuthRedDot: true };
  }
  var ann = { id: '1', name: 'Ann Example', type: 'FakeHost', phoneNumbers: [{ phoneNumber: '+15551230001', phoneType: 'directPhone' }],
              emails: ['ann@example.com'], company: 'Example Inc' };
  var bob = { id: '2', name: 'Bob Sample', type: 'FakeHost', phoneNumbers: [{ phoneNumber: '+15551230002', phoneType: 'mobile' }] };
  var cat = { id: '3', name: 'Cat Typeless', type: 'FakeHost', phoneNumbers: [{ phoneNumber: '+15551230003' }] };
  window.addEventListener('message', function (e) {
    if (e.source !== window || e.origin !== origin) return;
    var d = e.data;
    if (!d || typeof d !== 'object') return;
    // The test's way to make this host post something: the page posts {type: 'fakehost-say', message}.
    if (d.type === 'fakehost-say') { post(d.message); return; }
    if (d.type === 'rc-adapter-pushAdapterState' && !registered) {
      registered = true;
      post({ type: 'rc-adapter-register-third-party-service', service: service() });
    }
    if (d.type !== 'rc-post-message-request' || d.path === '/never') return;
    var resp, b = d.body || {};
    if (d.path === '/authorize') {
      authorized = !b.authorized;
      resp = { data: 'ok' };
      setTimeout(function () {
        post({ type: 'rc-adapter-update-authorization-status', authorized: authorized,
               authorizedAccount: authorized ? 'ann@example.com' : '' });
      }, 0);
    } else if (d.path === '/contacts' && !authorized) {
      resp = { error: 'not authorized' };
    } else if (d.path === '/contacts') {
      // A full sync: everything (two pages). A sync with a timestamp that is not the refresh
      // button's (opening the Contacts tab): nothing changed. Refresh 1: a change since the
      // first sync (merged); refresh 2: an error (the widget empties its list).
      syncs += b.page === 1 && b.type === 'manual' ? 1 : 0;
      if (!b.syncTimestamp) {
        resp = b.page === 1 ? { data: [ann], nextPage: 2, syncTimestamp: 100 } : { data: [bob], nextPage: null, syncTimestamp: 999 };
      } else if (b.type !== 'manual') {
        resp = { data: [], nextPage: null, syncTimestamp: b.syncTimestamp };
      } else if (syncs === 1) {
        resp = { data: [{ id: '2', deleted: true }, cat], nextPage: null, syncTimestamp: b.syncTimestamp === 100 ? 200 : null };
      } else {
        resp = { error: 'the CRM is down' };
      }
    } else if (d.path === '/contacts/search') {
      resp = { data: [ann, bob, cat] }; // claims all: the widget keeps what its rule keeps
    } else if (d.path === '/contacts/match') {
      var data = {};
      (b.phoneNumbers || []).forEach(function (n) { data[n] = n === ann.phoneNumbers[0].phoneNumber ? [ann] : []; });
      resp = { data: data };
    } else {
      resp = { error: 'unknown path ' + d.path };
    }
    post({ type: 'rc-post-message-response', responseId: d.requestId, response: resp });
  });
})();
