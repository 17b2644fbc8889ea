"""YAML from files people write (city models, estimation specs): bounded in size and depth, without aliases."""

from __future__ import annotations

import yaml

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 30  # lists and mappings inside each other; a model or a spec needs about six


class YamlProblem(ValueError):
    """The text is not YAML Qala reads; the message says why (the caller adds the file name)."""


class _NoAliasLoader(yaml.SafeLoader):
    """YAML without aliases: they are never needed in these files and they allow 'billion laughs' files."""

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed", event.start_mark)
        return super().compose_node(parent, index)


def load_yaml(data: bytes, what: str = "file") -> object:
    """Parse bytes of YAML; YamlProblem names what is wrong (size, encoding, syntax, depth, huge numbers)."""
    if len(data) > MAX_BYTES:
        raise YamlProblem(f"a {what} of at most {MAX_BYTES // 2**20} MiB")
    try:
        raw = yaml.load(data.decode("utf-8"), Loader=_NoAliasLoader)
    except UnicodeDecodeError as exc:
        raise YamlProblem("UTF-8 text") from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(f"not valid YAML ({exc})") from exc
    except RecursionError as exc:  # e.g. [[[[...]]]] a hundred thousand deep
        raise YamlProblem(f"YAML nested at most {MAX_DEPTH} levels deep") from exc
    except ValueError as exc:  # an integer of 5,000 digits: Python refuses to convert it
        raise YamlProblem("not valid YAML (a number with more than 4,300 digits)") from exc
    if depth(raw) > MAX_DEPTH:
        raise YamlProblem(f"YAML nested at most {MAX_DEPTH} levels deep")
    return raw


def depth(value: object) -> int:
    """How deeply lists and mappings nest (without recursion, so a deep file cannot overflow the stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                break
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest
