// The Go reference for clustermgr's Go-template tests: what `kops toolbox template` renders,
// with Go's own text/template and Sprig (kOps: cmd/kops/toolbox_template.go and
// pkg/util/templater/). kOps renders with a fork of text/template that only drops method
// calls on template data (third_party/forked/text/template/README.md); values are maps, so
// the standard library renders the same.
//
// Input (standard input): a JSON list of cases
//   {"name", "template", "values" (YAML text), "snippets" {file name: text},
//    "failOnMissing" (bool), "clusterName"}
// Output (standard output): a JSON object, case name -> {"output": text} or {"error": text}.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	yaml "gopkg.in/yaml.v2"
)

type testCase struct {
	Name          string            `json:"name"`
	Template      string            `json:"template"`
	Values        string            `json:"values"`
	Snippets      map[string]string `json:"snippets"`
	FailOnMissing bool              `json:"failOnMissing"`
	ClusterName   string            `json:"clusterName"`
}

type result struct {
	Output *string `json:"output,omitempty"`
	Error  *string `json:"error,omitempty"`
}

const templateName = "mainTemplate" // pkg/util/templater/templater.go

func main() {
	var cases []testCase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := map[string]result{}
	for _, c := range cases {
		text, err := render(c)
		if err != nil {
			message := err.Error()
			out[c.Name] = result{Error: &message}
		} else {
			out[c.Name] = result{Output: &text}
		}
	}
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetIndent("", "  ")
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}

// values as kOps reads them: YAML, then JSON (sigs.k8s.io/yaml), so every number is a float64
func values(text string) (map[string]interface{}, error) {
	var raw interface{}
	if err := yaml.Unmarshal([]byte(text), &raw); err != nil {
		return nil, err
	}
	encoded, err := json.Marshal(jsonable(raw))
	if err != nil {
		return nil, err
	}
	context := map[string]interface{}{}
	if string(encoded) != "null" {
		if err := json.Unmarshal(encoded, &context); err != nil {
			return nil, err
		}
	}
	return context, nil
}

func jsonable(value interface{}) interface{} {
	switch v := value.(type) {
	case map[interface{}]interface{}:
		out := map[string]interface{}{}
		for key, item := range v {
			out[fmt.Sprint(key)] = jsonable(item)
		}
		return out
	case []interface{}:
		for i := range v {
			v[i] = jsonable(v[i])
		}
		return v
	}
	return value
}

func render(c testCase) (rendered string, err error) {
	context, err := values(c.Values)
	if err != nil {
		return "", err
	}
	if _, ok := context["clusterName"].(string); !ok { // cmd/kops/toolbox_template.go
		context["clusterName"] = c.ClusterName
	}
	tm := template.New(templateName)
	funcs := sprig.TxtFuncMap()
	funcs["indent"] = indentContent
	funcs["include"] = func(name string, data map[string]interface{}) string {
		b := bytes.NewBufferString("")
		if err := tm.ExecuteTemplate(b, name, data); err != nil {
			panic(fmt.Sprintf("snippet: %s, issue: %s", name, err))
		}
		return b.String()
	}
	if _, err = tm.Funcs(funcs).Parse(c.Template); err != nil {
		return "", err
	}
	if c.FailOnMissing {
		tm.Option("missingkey=error")
	}
	for filename, snippet := range c.Snippets {
		if _, err = tm.New(filename).Parse(snippet); err != nil {
			return "", fmt.Errorf("unable to parse snippet: %s, error: %s", filename, err)
		}
	}
	writer := new(bytes.Buffer)
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("failed to parse template, error: %s", r)
		}
	}()
	if err = tm.ExecuteTemplate(writer, templateName, context); err != nil {
		return "", err
	}
	return writer.String(), nil
}

// indentContent is kOps' `indent` (pkg/util/templater/templater.go)
func indentContent(indent int, content string) string {
	var b bytes.Buffer
	length := len(strings.Split(content, "\n")) - 1
	for i, x := range strings.Split(content, "\n") {
		spacer := indent
		if i == 0 || len(x) <= 0 {
			spacer = 0
		}
		b.WriteString(fmt.Sprintf("%"+fmt.Sprintf("%d", spacer)+"s%s", "", x))
		if i < length {
			b.WriteString("\n")
		}
	}
	return b.String()
}
