package autostart

import (
	"encoding/xml"
	"fmt"
	"strings"
)

// launchAgentPlist is a LaunchAgent that runs exe with args once at login.
// KeepAlive is false: quitting from the menu bar must stay quit.
func launchAgentPlist(label, exe string, args []string) (string, error) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>`)
	if err := xml.EscapeText(&b, []byte(label)); err != nil {
		return "", err
	}
	b.WriteString("</string>\n\t<key>ProgramArguments</key>\n\t<array>\n")
	for _, a := range append([]string{exe}, args...) {
		if hasControl(a) {
			return "", fmt.Errorf("autostart: argument %q has a control character", a)
		}
		b.WriteString("\t\t<string>")
		if err := xml.EscapeText(&b, []byte(a)); err != nil {
			return "", err
		}
		b.WriteString("</string>\n")
	}
	b.WriteString(`	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>KeepAlive</key>
	<false/>
	<key>ProcessType</key>
	<string>Interactive</string>
</dict>
</plist>
`)
	return b.String(), nil
}
