"""Units stay small (STYLE.md: a file past ~400 lines is asking to be split; no function over ~80):
checked on the product's sources, so that a growing unit is split when it grows, not later."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
FOLDERS = ("src", "include", "commands")
MAX_FILE, MAX_FUNCTION = 400, 80


def sources():
    for folder in FOLDERS:
        yield from sorted((ROOT / folder).rglob("*.[ch]pp"))


def functions(lines):
    """(first line, length) of each function defined at namespace level: a line at column 0
    that opens a body, whose signature has parentheses, up to the `}` at column 0."""
    start = None
    for i, line in enumerate(lines):
        if start is None:
            head = "".join(lines[max(0, i - 3):i + 1])
            if (line and not line[0].isspace() and line.rstrip().endswith("{") and "(" in head
                    and not re.match(r"(namespace|struct|class|enum|union|extern|constexpr|const|static|#)", line)
                    and "=" not in line.split("(")[0]):
                start = i
        elif line.startswith("}"):
            yield start + 1, i - start + 1
            start = None


def test_no_source_file_is_over_400_lines():
    big = [(p.relative_to(ROOT).as_posix(), n) for p in sources()
           if (n := len(p.read_text().splitlines())) > MAX_FILE]
    assert big == [], f"split these: {big}"


def test_no_function_is_over_80_lines():
    long = []
    for p in sources():
        for first, n in functions(p.read_text().splitlines()):
            if n > MAX_FUNCTION:
                long.append(f"{p.relative_to(ROOT).as_posix()}:{first} ({n} lines)")
    assert long == [], f"split these: {long}"


def test_the_function_finder_finds_functions():
    text = "int f(int a) {\n" + "  a++;\n" * 100 + "}\nnamespace x {\n}\n"
    assert list(functions(text.splitlines())) == [(1, 102)]
