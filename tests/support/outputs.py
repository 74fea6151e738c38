"""What a GitHub Actions step wrote to $GITHUB_OUTPUT, read back."""

from __future__ import annotations


def parse_outputs(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT's format: name=value lines, and name<<DELIMITER ... DELIMITER blocks."""
    outputs, lines = {}, iter(text.splitlines())
    for line in lines:
        if "<<" in line and "=" not in line.split("<<")[0]:
            name, delimiter = line.split("<<", 1)
            outputs[name] = "\n".join(iter(lambda: next(lines), delimiter))
        else:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs
