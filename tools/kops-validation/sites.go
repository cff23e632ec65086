// Lists every error site of kOps' validation package with Go's own parser: each call of
// k8s.io/apimachinery's field.Invalid, Required, Forbidden, NotSupported, Duplicate, TooMany,
// TooLong, NotFound or InternalError, and each call of kOps' IsValidValue helper (a
// NotSupported error for the values it is given), with its file, line, enclosing function and
// arguments as written.
//
//	go run sites.go DIR > sites.json
//
// DIR holds pkg/apis/kops/validation/*.go of one kOps release (tests are left out).
package main

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type site struct {
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Function string   `json:"function"`
	Kind     string   `json:"kind"`
	Path     string   `json:"path"`
	Args     []string `json:"args"`
}

var kinds = map[string]bool{
	"Invalid": true, "Required": true, "Forbidden": true, "NotSupported": true,
	"Duplicate": true, "TooMany": true, "TooLong": true, "NotFound": true, "InternalError": true,
}

func main() {
	dir := os.Args[1]
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		panic(err)
	}
	sort.Strings(files)
	fset := token.NewFileSet()
	sites := []site{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			panic(err)
		}
		for _, decl := range file.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				kind := ""
				switch fun := call.Fun.(type) {
				case *ast.SelectorExpr:
					if pkg, ok := fun.X.(*ast.Ident); ok && pkg.Name == "field" && kinds[fun.Sel.Name] {
						kind = fun.Sel.Name
					}
				case *ast.Ident: // kOps' own helper: one NotSupported site, many callers
					if fun.Name == "IsValidValue" {
						kind = "IsValidValue"
					}
				case *ast.IndexExpr: // IsValidValue[T](...)
					if id, ok := fun.X.(*ast.Ident); ok && id.Name == "IsValidValue" {
						kind = "IsValidValue"
					}
				}
				if kind == "" {
					return true
				}
				args := []string{}
				for _, arg := range call.Args {
					args = append(args, text(fset, arg))
				}
				path := ""
				if len(args) > 0 {
					path = args[0]
				}
				sites = append(sites, site{
					File:     filepath.Base(name),
					Line:     fset.Position(call.Pos()).Line,
					Function: function(fn),
					Kind:     kind,
					Path:     path,
					Args:     args[min(1, len(args)):],
				})
				return true
			})
		}
	}
	out := json.NewEncoder(os.Stdout)
	out.SetIndent("", " ")
	out.SetEscapeHTML(false)
	if err := out.Encode(sites); err != nil {
		panic(err)
	}
}

func min(a, b int) int {
	if a < b {
		return a
	}
	return b
}

func function(fn *ast.FuncDecl) string {
	if fn.Recv != nil && len(fn.Recv.List) > 0 {
		var buf bytes.Buffer
		printer.Fprint(&buf, token.NewFileSet(), fn.Recv.List[0].Type)
		return "(" + buf.String() + ")." + fn.Name.Name
	}
	return fn.Name.Name
}

func text(fset *token.FileSet, node ast.Node) string {
	var buf bytes.Buffer
	printer.Fprint(&buf, fset, node)
	return strings.Join(strings.Fields(buf.String()), " ")
}
