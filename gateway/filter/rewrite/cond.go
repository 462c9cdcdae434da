package rewrite

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"regexp/syntax"
	"strings"
	"syscall"

	"github.com/gonjet/gonjet/gateway"
)

// CondOp is the test an "if" condition performs.
type CondOp uint8

// The condition kinds of nginx's "if".
const (
	// CondVar holds when the variable is neither empty nor "0": if ($v).
	CondVar CondOp = iota
	// CondEqual and CondNotEqual compare the variable with a value:
	// if ($v = text), if ($v != text).
	CondEqual
	CondNotEqual
	// CondMatch and CondNotMatch test the variable against a regular
	// expression: ~ and ~* (caseless), !~ and !~*. A match sets $1..$9 and
	// named captures.
	CondMatch
	CondNotMatch
	// The file tests look at the path the value evaluates to: -f (regular
	// file), -d (directory), -e (file or directory), -x (executable), and
	// their negations with '!'.
	CondFile
	CondNotFile
	CondDir
	CondNotDir
	CondExists
	CondNotExists
	CondExec
	CondNotExec
)

// Cond is the condition of an "if" block.
type Cond struct {
	Op CondOp
	// Var is the variable tested (all kinds but the file tests), as a slot
	// of the configuration's variable table.
	Var int
	// Value is the right-hand side of = and !=, or the path of a file test.
	Value *gateway.Template
	// Regex is the expression of ~, ~*, !~ and !~*.
	Regex *regexp.Regexp

	varName string
	value   string
	pattern string
}

// ParseCond reads a condition written as nginx's "if" arguments, with
// the parentheses: ["($arg_a", "=", "1)"] or ["(", "-f", "$path", ")"].
// Variables are resolved against vars.
func ParseCond(vars *gateway.VarTable, args []string) (*Cond, error) {
	c, err := parseCond(vars, args)
	if err != nil {
		return nil, err
	}
	return c, c.bind(vars)
}

func parseCond(vars *gateway.VarTable, args []string) (*Cond, error) {
	if len(args) == 0 || args[0] == "" || args[0][0] != '(' {
		return nil, fmt.Errorf("invalid condition \"%s\"", first(args))
	}
	v := append([]string(nil), args...)
	cur, last := 0, len(v)-1
	if v[0] == "(" {
		cur = 1
	} else {
		v[0] = v[0][1:]
	}
	if v[last] == "" || v[last][len(v[last])-1] != ')' {
		return nil, fmt.Errorf("invalid condition \"%s\"", v[last])
	}
	if v[last] == ")" {
		last--
	} else {
		v[last] = v[last][:len(v[last])-1]
	}
	if cur > last {
		// "()" or "( )": nginx ends up looking at the ")".
		return nil, fmt.Errorf("invalid condition \")\"")
	}
	p := v[cur]
	if len(p) > 1 && p[0] == '$' {
		if cur != last && cur+2 != last {
			return nil, fmt.Errorf("invalid condition \"%s\"", p)
		}
		c := &Cond{Op: CondVar, varName: p[1:]}
		if cur == last {
			return c, nil
		}
		op, operand := v[cur+1], v[last]
		switch op {
		case "=":
			c.Op, c.value = CondEqual, operand
		case "!=":
			c.Op, c.value = CondNotEqual, operand
		case "~", "~*", "!~", "!~*":
			c.Op = CondMatch
			if op[0] == '!' {
				c.Op = CondNotMatch
			}
			re, err := compileRegex(vars, operand, strings.HasSuffix(op, "*"))
			if err != nil {
				return nil, err
			}
			c.Regex, c.pattern = re, operand
		default:
			return nil, fmt.Errorf("unexpected \"%s\" in condition", op)
		}
		return c, nil
	}
	if len(p) == 2 && p[0] == '-' || len(p) == 3 && p[0] == '!' && p[1] == '-' {
		if cur+1 != last {
			return nil, fmt.Errorf("invalid condition \"%s\"", p)
		}
		ops := map[string]CondOp{
			"-f": CondFile, "!-f": CondNotFile, "-d": CondDir, "!-d": CondNotDir,
			"-e": CondExists, "!-e": CondNotExists, "-x": CondExec, "!-x": CondNotExec,
		}
		op, ok := ops[p]
		if !ok {
			return nil, fmt.Errorf("invalid condition \"%s\"", p)
		}
		return &Cond{Op: op, value: v[last]}, nil
	}
	return nil, fmt.Errorf("invalid condition \"%s\"", p)
}

func first(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}

// bind resolves the variable and compiles the value.
func (c *Cond) bind(vars *gateway.VarTable) error {
	if c.varName != "" {
		slot, err := vars.Index(c.varName)
		if err != nil {
			return err
		}
		c.Var = slot
	}
	if c.Op == CondEqual || c.Op == CondNotEqual || c.Op >= CondFile {
		t, err := vars.CompileTemplate(c.value)
		if err != nil {
			return err
		}
		c.Value = t
	}
	return nil
}

// test evaluates the condition for a request.
func (c *Cond) test(e *engine) bool {
	ctx := e.c
	switch c.Op {
	case CondVar:
		v, _ := ctx.Var(c.Var)
		return v != "" && v != "0"
	case CondEqual, CondNotEqual:
		v, _ := ctx.Var(c.Var)
		return (v == c.Value.Eval(ctx)) == (c.Op == CondEqual)
	case CondMatch, CondNotMatch:
		v, _ := ctx.Var(c.Var)
		return e.match(c.Regex, c.pattern, v) == (c.Op == CondMatch)
	}
	return c.testFile(ctx)
}

// testFile runs a file test. Like nginx, "exists" means a regular file or
// a directory, and any failure to look the path up counts as "no such
// file"; failures other than a missing file are logged.
func (c *Cond) testFile(ctx *gateway.Ctx) bool {
	path := c.Value.Eval(ctx)
	fi, err := os.Stat(path)
	positive := c.Op == CondFile || c.Op == CondDir || c.Op == CondExists || c.Op == CondExec
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) && !isNotDir(err) {
			ctx.Logf(gateway.LevelCrit, "stat() \"%s\" failed (%v)", path, unwrapPathError(err))
		}
		return !positive
	}
	var yes bool
	switch c.Op {
	case CondFile, CondNotFile:
		yes = fi.Mode().IsRegular()
	case CondDir, CondNotDir:
		yes = fi.IsDir()
	case CondExists, CondNotExists:
		yes = fi.Mode().IsRegular() || fi.IsDir()
	case CondExec, CondNotExec:
		yes = fi.Mode().Perm()&0o100 != 0
	}
	return yes == positive
}

// isNotDir reports the other errors nginx takes for a missing file.
func isNotDir(err error) bool {
	return errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.ENAMETOOLONG)
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// compileRegex compiles an nginx regular expression and declares its
// named captures as variables, as nginx does for every regex it compiles,
// so that they are known to later directives.
func compileRegex(vars *gateway.VarTable, pattern string, caseless bool) (*regexp.Regexp, error) {
	expr := pattern
	if caseless {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("pcre2_compile() failed: %s in \"%s\"", regexErrText(err), pattern)
	}
	if vars != nil {
		vars.DeclareCaptures(re)
	}
	return re, nil
}

// regexErrText drops Go's "error parsing regexp: " prefix, which nginx's
// message has no equivalent for.
func regexErrText(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return fmt.Sprintf("%s: `%s`", se.Code, se.Expr)
	}
	return err.Error()
}
