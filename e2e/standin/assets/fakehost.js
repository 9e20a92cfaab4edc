// A minimal host for testing the stand-in without the app, loaded only with standinHost=1:
// it does in the page what the app's injected host script and Go side do.
(function () {
  'use strict';
  var origin = location.origin, registered = false, authorized = false;
  function post(m) { window.postMessage(m, origin); }
  window.addEventListener('message', function (e) {
    if (e.source !== window || e.origin !== origin) return;
    var d = e.data;
    if (!d || typeof d !== 'object') return;
    if ((d.type === 'rc-login-status-notify' || d.type === 'rc-adapter-pushAdapterState') && !registered) {
      registered = true;
      post({ type: 'rc-adapter-register-third-party-service', service: {
        name: 'FakeHost', displayName: 'Fake CRM', info: 'The stand-in test host',
        authorizationPath: '/authorize', contactsPath: '/contacts', authorizedTitle: 'Unauthorize', unauthorizedTitle: 'Authorize',
        authorized: authorized, authorizationLogo: '/no-such-logo.png', showAuthRedDot: true } });
    }
    if (d.type !== 'rc-post-message-request' || d.path === '/never') return;
    var resp;
    if (d.path === '/authorize') {
      authorized = !(d.body && d.body.authorized);
      resp = { data: 'ok' };
      setTimeout(function () {
        post({ type: 'rc-adapter-update-authorization-status', authorized: authorized,
               authorizedAccount: authorized ? 'ann@example.com' : '' });
      }, 0);
    } else if (d.path === '/contacts') {
      resp = authorized ? { data: [{ id: '1', name: 'Ann Example', type: 'FakeHost',
        phoneNumbers: [{ phoneNumber: '+15551230001', phoneType: 'directPhone' }] }],
        nextPage: null, syncTimestamp: Date.now() } : { error: 'not authorized' };
    } else {
      resp = { error: 'unknown path ' + d.path };
    }
    post({ type: 'rc-post-message-response', responseId: d.requestId, response: resp });
  });
})();
