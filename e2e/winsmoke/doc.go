// Package winsmoke is the end-to-end smoke test of the Windows build: the real exe, in
// WebView2, against the stand-in widget (e2e/standin). It runs on a Windows runner
// (.github/workflows/windows.yml), where the WebView2 Runtime is installed; it cannot run on
// the Linux machine the rest of the tests run on (Wine has no WebView2). The Linux suite's
// harness (e2e/apptest) drives X11 and D-Bus; this one needs neither. Elsewhere the package
// has no tests.
package winsmoke
