// The Go reference for the parse errors kOps quotes in its messages: net/netip.ParsePrefix
// (kindnet's nonMasqueradeCIDRs), net/url.Parse (containerd's package URLs) and
// regexp.Compile (Calico's interface expressions, Sprig's regex functions).
//
// Input (standard input): a JSON object, parser name -> list of inputs.
// Output (standard output): a JSON object, parser name -> input -> error text ("" if it parses).
package main

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"regexp"
)

var parsers = map[string]func(string) error{
	"prefix": func(s string) error { _, err := netip.ParsePrefix(s); return err },
	"url":    func(s string) error { _, err := url.Parse(s); return err },
	"regexp": func(s string) error { _, err := regexp.Compile(s); return err },
}

func main() {
	var inputs map[string][]string
	if err := json.NewDecoder(os.Stdin).Decode(&inputs); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := map[string]map[string]string{}
	for name, list := range inputs {
		parse, ok := parsers[name]
		if !ok {
			fmt.Fprintln(os.Stderr, "unknown parser", name)
			os.Exit(2)
		}
		out[name] = map[string]string{}
		for _, s := range list {
			if err := parse(s); err != nil {
				out[name][s] = err.Error()
			} else {
				out[name][s] = ""
			}
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
