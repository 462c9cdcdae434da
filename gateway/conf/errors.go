package conf

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"
)

// Error is a configuration error placed at a file and line, printed as
// nginx does: `unknown directive "x" in /etc/njet/njet.conf:12`. Errors
// in -g directives read `... in command line`, errors in text loaded with
// LoadString `... in line 12`.
type Error struct {
	Msg  string
	File string
	Line int
}

func (e *Error) Error() string {
	switch {
	case e.File == "" && e.Line == 0:
		return e.Msg
	case e.File == "":
		// Text given in memory (LoadString) has no file name.
		return fmt.Sprintf("%s in line %d", e.Msg, e.Line)
	case e.Line == 0:
		return e.Msg + " in " + e.File
	}
	return fmt.Sprintf("%s in %s:%d", e.Msg, e.File, e.Line)
}

// commandLine is the File of nodes given with -g.
const commandLine = "command line"

// Errorf returns an Error placed at n.
func Errorf(n *Node, format string, args ...any) error {
	e := &Error{Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.File, e.Line = n.File, n.Line
	}
	return e
}

// DirectiveError returns nginx's error for a setter that failed with a
// short reason: `"name" directive <msg>`, e.g. msg "invalid value".
func DirectiveError(n *Node, msg string) error {
	return Errorf(n, "\"%s\" directive %s", n.Name, msg)
}

// Duplicate is nginx's error for a directive given twice in one block:
// `"name" directive is duplicate`.
func Duplicate(n *Node) error { return DirectiveError(n, "is duplicate") }

// InvalidValue is nginx's error for a value a slot setter cannot parse:
// `"name" directive invalid value`.
func InvalidValue(n *Node) error { return DirectiveError(n, "invalid value") }

// placed makes err an *Error located at n unless it already is one.
func placed(n *Node, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return Errorf(n, "%v", err)
}

// sysErrText formats an operating-system error the way nginx appends
// errno to a message: "2: No such file or directory".
func sysErrText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		if s != "" {
			s = strings.ToUpper(s[:1]) + s[1:]
		}
		return strconv.Itoa(int(errno)) + ": " + s
	}
	return err.Error()
}
