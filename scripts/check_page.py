#!/usr/bin/env python3
"""check_page.py: what make check-browser asks of a page (check-browser.sh).

  check_page.py html PAGE...        strict HTML: a doctype, tags balanced (void
                                    elements never closed, "/>" only inside SVG),
                                    only &amp; &lt; &gt; &quot; &#39; as entities,
                                    no block inside a <p>, no script, no event
                                    handler, nothing that names a URL to fetch
  check_page.py console LOG         Chromium's log (--enable-logging=stderr): no
                                    console message at all (the pages run no script,
                                    so any is an error the browser found)
  check_page.py network NETLOG      Chromium's --log-net-log: no request the page
                                    made for anything but file: and data: URLs

Each prints what is wrong, file and line, and exits 1; 0 and nothing when all
is well.  Python's own html.parser reads the page, as a browser's tokenizer
would, and the checks are stricter than HTML needs: a page that passes reads
the same in every browser.
"""
import json
import re
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}
# what a <p> cannot hold: a browser ends the paragraph before them
BLOCKS = {"div", "table", "section", "p", "pre", "ul", "ol", "h1", "h2", "h3", "figure",
          "details", "header", "nav", "footer", "main"}
ENTITIES = {"amp", "lt", "gt", "quot"}
# what a URL may start with in a self-contained page
LOCAL = ("#", "data:")
# ampersands must start one of these
AMP = re.compile(r"&(?!(amp|lt|gt|quot|#39|#[0-9]+|#x[0-9a-fA-F]+);)")


class Strict(HTMLParser):
    def __init__(self, name):
        super().__init__(convert_charrefs=False)
        self.name = name
        self.stack = []
        self.problems = []
        self.doctype = False

    def problem(self, what):
        line, col = self.getpos()
        self.problems.append(f"{self.name}:{line}:{col + 1}: {what}")

    def handle_decl(self, decl):
        if decl.lower() == "doctype html":
            self.doctype = True
        else:
            self.problem(f"an unexpected declaration <!{decl}>")

    def check_attrs(self, tag, attrs):
        for key, value in attrs:
            if key.startswith("on"):
                self.problem(f"<{tag}> has an event handler ({key})")
            if value is None:
                self.problem(f"<{tag}> has an attribute without a value ({key})")
            elif key in ("href", "src", "xlink:href") and not value.startswith(LOCAL) and \
                    re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", value) and \
                    not value.startswith("file:"):
                self.problem(f"<{tag} {key}> names a URL to fetch: {value[:60]}")

    def handle_starttag(self, tag, attrs):
        if not self.doctype:
            self.problem("no <!DOCTYPE html> before the first tag")
            self.doctype = True
        if tag == "script":
            self.problem("a <script>")
        if tag == "link":
            self.problem("a <link>: the page must fetch nothing")
        if tag in BLOCKS and "p" in self.stack:
            self.problem(f"<{tag}> inside a <p>")
        self.check_attrs(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.check_attrs(tag, attrs)
        if tag not in VOID and "svg" not in self.stack:
            self.problem(f"<{tag}/> outside SVG: HTML does not close it")

    def handle_endtag(self, tag):
        if tag in VOID:
            self.problem(f"</{tag}> closes a void element")
        elif not self.stack:
            self.problem(f"</{tag}> with nothing open")
        elif self.stack[-1] != tag:
            self.problem(f"</{tag}> closes <{self.stack[-1]}>")
            if tag in self.stack:
                while self.stack.pop() != tag:
                    pass
        else:
            self.stack.pop()

    def handle_entityref(self, name):
        if name not in ENTITIES:
            self.problem(f"the entity &{name}; (only &amp; &lt; &gt; &quot; &#39;)")

    def handle_comment(self, data):
        self.problem("a comment")

    def handle_pi(self, data):
        self.problem(f"a processing instruction <?{data}>")


def check_html(path):
    with open(path, encoding="utf-8") as f:   # not UTF-8: an exception, a failure
        text = f.read()
    parser = Strict(path)
    parser.feed(text)
    parser.close()
    problems = parser.problems
    if parser.stack:
        problems.append(f"{path}: never closed: <{'> <'.join(parser.stack)}>")
    body = re.sub(r"<style>.*?</style>", lambda m: "\n" * m.group(0).count("\n"), text,
                  flags=re.S)
    for number, line in enumerate(body.split("\n"), 1):
        for m in AMP.finditer(line):
            problems.append(f"{path}:{number}:{m.start() + 1}: a bare '&' or an unknown "
                            f"entity: {line[m.start():m.start() + 16]!r}")
    return problems


def check_console(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return [f"{path}: the browser said: {line.strip()}" for line in f
                if ":CONSOLE" in line]


def check_network(path):
    """Requests the page made (their network isolation key is the file's),
    not the browser's own (updates, accounts), for other than file: or data:"""
    with open(path, encoding="utf-8") as f:
        log = json.load(f)
    names = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    problems = []
    for event in log["events"]:
        params = event.get("params", {})
        if names.get(event["type"]) != "URL_REQUEST_START_JOB":
            continue
        url, key = params.get("url", ""), params.get("network_isolation_key", "")
        if key.startswith("file://") and not url.startswith(("file:", "data:")):
            problems.append(f"{path}: the page fetched {url[:80]}")
    return problems


def main(argv):
    checks = {"html": check_html, "console": check_console, "network": check_network}
    if len(argv) < 3 or argv[1] not in checks:
        print(__doc__.strip().split("\n\n")[0], file=sys.stderr)
        return 2
    problems = [p for path in argv[2:] for p in checks[argv[1]](path)]
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
