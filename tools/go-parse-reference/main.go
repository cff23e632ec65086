// The Go reference for the parse errors kOps quotes in its messages: net/netip.ParsePrefix
// (kindnet's nonMasqueradeCIDRs), net/url.Parse (containerd's package URLs) and
// regexp.Compile (Calico's interface expressions, Sprig's regex functions); and for how kOps
// reads a CIDR field (net.ParseCIDR, in pkg/apis/kops/validation/validation.go, parseCIDR).
//
// Input (standard input): a JSON object, parser name -> list of inputs.
// Output (standard output): a JSON object, parser name -> input -> answer: the error text
// ("" if it parses); for "cidr", kOps' detail when it refuses, else "network " and the network.
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"strings"
)

func text(err error) string {
	if err != nil {
		return err.Error()
	}
	return ""
}

// cidr answers as kOps' parseCIDR decides (v1.37.0-alpha.1, validation.go): the detail of its
// field.Invalid, or the network it read.
func cidr(s string) string {
	ip, ipNet, err := net.ParseCIDR(s)
	if err != nil {
		detail := "Could not be parsed as a CIDR"
		if !strings.Contains(s, "/") {
			if ip := net.ParseIP(s); ip != nil {
				if ip.To4() != nil && !strings.Contains(s, ":") {
					detail += fmt.Sprintf(" (did you mean \"%s/32\")", s)
				} else {
					detail += fmt.Sprintf(" (did you mean \"%s/64\")", s)
				}
			}
		}
		return detail
	}
	if !ip.Equal(ipNet.IP) {
		maskSize, _ := ipNet.Mask.Size()
		return fmt.Sprintf("Network contains bits outside prefix (did you mean \"%s/%d\")", ipNet.IP, maskSize)
	}
	return "network " + ipNet.String()
}

var parsers = map[string]func(string) string{
	"prefix": func(s string) string { _, err := netip.ParsePrefix(s); return text(err) },
	"url":    func(s string) string { _, err := url.Parse(s); return text(err) },
	"regexp": func(s string) string { _, err := regexp.Compile(s); return text(err) },
	"cidr":   cidr,
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
			out[name][s] = parse(s)
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
