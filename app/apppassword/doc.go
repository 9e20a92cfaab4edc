// Package apppassword reads a CardDAV address book with HTTP Basic auth and an app
// password, for servers that take no OAuth bearer token (config service.contacts.auth
// "password"). The password is asked for once, in a native window showing a small form
// served on a one-shot loopback listener, and kept in the OS keyring; it is forgotten on
// sign-out and when the server refuses it, so the next request asks again.
//
// The password never reaches a log, a URL or a file: it travels in a POST body to the
// loopback listener, in the keyring, in memory and in the Authorization header only.
package apppassword

import "errors"

// ErrCancelled means the user closed the prompt window or pressed Cancel.
var ErrCancelled = errors.New("apppassword: the app password was not given (the prompt was cancelled)")

// ErrNotFound means the Store holds no password.
var ErrNotFound = errors.New("apppassword: no app password is stored")
