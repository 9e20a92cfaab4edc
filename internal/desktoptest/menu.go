package desktoptest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

const menuIface = "com.canonical.dbusmenu"

// MenuItem is one entry of a tray menu as a panel sees it over dbusmenu.
// Properties a menu leaves out take the defaults of the dbusmenu spec.
type MenuItem struct {
	ID          int32
	Label       string
	Enabled     bool   // default true
	Visible     bool   // default true
	Type        string // "standard" (default) or "separator"
	ToggleType  string // "checkmark", "radio" or "" (none)
	ToggleState int32  // 1 on, 0 off, -1 (default) indeterminate
}

// Pixmap is one size of an icon as StatusNotifierItem sends it: ARGB32 in
// network byte order, row by row.
type Pixmap struct {
	W, H int32
	ARGB []byte
}

// ToolTip is the StatusNotifierItem ToolTip property.
type ToolTip struct {
	IconName    string
	Icons       []Pixmap
	Title       string
	Description string
}

func getProperty(ctx context.Context, conn *dbus.Conn, busName, name string) (dbus.Variant, error) {
	var v dbus.Variant
	err := conn.Object(busName, itemPath).
		CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, itemIface, name).
		Store(&v)
	if err != nil {
		return v, fmt.Errorf("read %s.%s of %s: %w", itemIface, name, busName, err)
	}
	return v, nil
}

// menuPath reads the item's Menu property: where its dbusmenu lives.
func menuPath(ctx context.Context, conn *dbus.Conn, busName string) (dbus.ObjectPath, error) {
	v, err := getProperty(ctx, conn, busName, "Menu")
	if err != nil {
		return "", err
	}
	p, ok := v.Value().(dbus.ObjectPath)
	if !ok {
		return "", fmt.Errorf("%s.Menu of %s is %s, not an object path", itemIface, busName, v.Signature())
	}
	return p, nil
}

// Menu reads the whole menu of the tray item at busName with
// com.canonical.dbusmenu.GetLayout, flattened top to bottom (submenu entries
// follow their parent).
func Menu(ctx context.Context, conn *dbus.Conn, busName string) ([]MenuItem, error) {
	path, err := menuPath(ctx, conn, busName)
	if err != nil {
		return nil, err
	}
	var (
		revision uint32
		root     layout
	)
	err = conn.Object(busName, path).
		CallWithContext(ctx, menuIface+".GetLayout", 0, int32(0), int32(-1), []string{}).
		Store(&revision, &root)
	if err != nil {
		return nil, fmt.Errorf("GetLayout of %s%s: %w", busName, path, err)
	}
	var items []MenuItem
	if err := flatten(root.Children, &items); err != nil {
		return nil, fmt.Errorf("GetLayout of %s%s: %w", busName, path, err)
	}
	return items, nil
}

// layout is dbusmenu's (ia{sv}av).
type layout struct {
	ID         int32
	Properties map[string]dbus.Variant
	Children   []dbus.Variant
}

func flatten(children []dbus.Variant, into *[]MenuItem) error {
	for _, c := range children {
		var l layout
		if err := dbus.Store([]any{c.Value()}, &l); err != nil {
			return fmt.Errorf("menu entry %s: %w", c.Signature(), err)
		}
		*into = append(*into, menuItem(l.ID, l.Properties))
		if err := flatten(l.Children, into); err != nil {
			return err
		}
	}
	return nil
}

func menuItem(id int32, props map[string]dbus.Variant) MenuItem {
	it := MenuItem{ID: id, Enabled: true, Visible: true, Type: "standard", ToggleState: -1}
	for k, v := range props {
		switch val := v.Value().(type) {
		case string:
			switch k {
			case "label":
				it.Label = val
			case "type":
				it.Type = val
			case "toggle-type":
				it.ToggleType = val
			}
		case bool:
			switch k {
			case "enabled":
				it.Enabled = val
			case "visible":
				it.Visible = val
			}
		case int32:
			if k == "toggle-state" {
				it.ToggleState = val
			}
		}
	}
	return it
}

// Click clicks the menu entry id as a panel does: an Event "clicked".
func Click(ctx context.Context, conn *dbus.Conn, busName string, id int32) error {
	path, err := menuPath(ctx, conn, busName)
	if err != nil {
		return err
	}
	call := conn.Object(busName, path).CallWithContext(ctx, menuIface+".Event", 0,
		id, "clicked", dbus.MakeVariant(""), uint32(time.Now().Unix()))
	if call.Err != nil {
		return fmt.Errorf("click menu entry %d of %s: %w", id, busName, call.Err)
	}
	return nil
}

// WaitMenu polls the menu until done accepts it, and returns that menu.
// On timeout the error shows the last menu seen, which is usually what the
// failing test needs to know.
func WaitMenu(ctx context.Context, conn *dbus.Conn, busName string, done func([]MenuItem) bool) ([]MenuItem, error) {
	var (
		last    []MenuItem
		lastErr error
	)
	err := poll(ctx, func() bool {
		callCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		last, lastErr = Menu(callCtx, conn, busName)
		return lastErr == nil && done(last)
	})
	if err != nil {
		if lastErr != nil {
			return nil, fmt.Errorf("waiting for the tray menu: %w (last error: %v)", err, lastErr)
		}
		return nil, fmt.Errorf("waiting for the tray menu: %w; last menu: %s", err, Labels(last))
	}
	return last, nil
}

// WaitLabel polls the menu until an entry whose label satisfies match
// appears, and returns that entry.
func WaitLabel(ctx context.Context, conn *dbus.Conn, busName string, match func(label string) bool) (MenuItem, error) {
	var found MenuItem
	_, err := WaitMenu(ctx, conn, busName, func(items []MenuItem) bool {
		for _, it := range items {
			if match(it.Label) {
				found = it
				return true
			}
		}
		return false
	})
	return found, err
}

// Labels lists the labels of a menu in order, separators as "---": the
// readable form for assertions and failure messages.
func Labels(items []MenuItem) string {
	ls := make([]string, len(items))
	for i, it := range items {
		if it.Type == "separator" {
			ls[i] = "---"
			continue
		}
		ls[i] = fmt.Sprintf("%q", it.Label)
	}
	return "[" + strings.Join(ls, " ") + "]"
}

// ReadToolTip reads the item's ToolTip property.
func ReadToolTip(ctx context.Context, conn *dbus.Conn, busName string) (ToolTip, error) {
	var tt ToolTip
	v, err := getProperty(ctx, conn, busName, "ToolTip")
	if err != nil {
		return tt, err
	}
	if err := dbus.Store([]any{v.Value()}, &tt); err != nil {
		return tt, fmt.Errorf("%s.ToolTip of %s (%s): %w", itemIface, busName, v.Signature(), err)
	}
	return tt, nil
}

// ReadIconPixmap reads the item's IconPixmap property, the icon as shown.
func ReadIconPixmap(ctx context.Context, conn *dbus.Conn, busName string) ([]Pixmap, error) {
	var px []Pixmap
	v, err := getProperty(ctx, conn, busName, "IconPixmap")
	if err != nil {
		return nil, err
	}
	if err := dbus.Store([]any{v.Value()}, &px); err != nil {
		return nil, fmt.Errorf("%s.IconPixmap of %s (%s): %w", itemIface, busName, v.Signature(), err)
	}
	return px, nil
}
