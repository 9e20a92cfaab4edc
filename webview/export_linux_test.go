package webview

import "testing"

// TestingUI gives the external test package (package webview_test) the test run's UI.
func TestingUI(t *testing.T) *UI { return needUI(t) }
