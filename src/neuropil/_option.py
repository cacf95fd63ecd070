"""One declared option (of a dataset's ingest or a task's run), from which the command line makes a flag."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from neuropil.errors import InvalidArgumentError, unknown_value


def comma_list(value: str) -> str:
    """A name or a comma list that names at least one thing (kept as given: pipelines split it)."""
    if not any(part.strip() for part in str(value).split(",")):
        raise ValueError(f"{value!r} names nothing (expected a name or a comma list)")
    return str(value)


#: the value types an option may declare (what JSON and argparse both carry); "flag": on when given;
#: "list": a name or a comma list
TYPES: dict[str, Any] = {"str": str, "int": int, "float": float, "flag": bool, "list": comma_list}


@dataclass(frozen=True)
class Option:
    """``--<name with dashes>``: help text, value type, allowed values and default."""

    help: str
    type: str = "str"
    choices: tuple[str, ...] | None = None
    #: the value when the option is not given (None: the pipeline's or task's own default applies)
    default: Any = None
    metavar: str | None = None
    #: "list" options: why an empty list is refused, after the value (``'' names no study (...)``)
    empty: str = "names nothing (expected a name or a comma list)"

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise InvalidArgumentError(unknown_value(self.type, "option type", TYPES))

    def parse(self, name: str, value: Any) -> Any:
        """``value`` converted to the declared type and checked against ``choices``."""
        try:
            converted = TYPES[self.type](value)
        except (TypeError, ValueError):
            raise InvalidArgumentError(f"Option {name}={value!r} must be of type {self.type}.") from None
        if self.choices is not None and converted not in self.choices:
            raise InvalidArgumentError(unknown_value(converted, name, self.choices))
        return converted

    def to_dict(self) -> dict[str, Any]:
        return {"help": self.help, "type": self.type,
                "choices": list(self.choices) if self.choices is not None else None, "default": self.default}

    def _argparse_type(self) -> Any:
        """The converter of ``type``; a bad comma list is argparse's usage error (exit 2)."""
        import argparse

        convert = TYPES[self.type]
        if self.type != "list":
            return convert

        def checked(value: str) -> str:
            if not any(part.strip() for part in value.split(",")):
                raise argparse.ArgumentTypeError(f"{value!r} {self.empty}")
            return convert(value)

        checked.__name__ = self.type
        return checked

    def add_to(self, parser: Any, name: str) -> None:
        """Add ``--<name>`` to an argparse parser; its value lands in ``option_<name>``."""
        flag, dest = f"--{name.replace('_', '-')}", f"option_{name}"
        if self.type == "flag":
            parser.add_argument(flag, dest=dest, action="store_true", help=self.help)
            return
        parser.add_argument(flag, dest=dest, default=self.default, type=self._argparse_type(), choices=self.choices,
                            metavar=None if self.choices else (self.metavar or name.upper()), help=self.help)


def given(options: dict[str, Option], namespace: Any) -> dict[str, Any]:
    """The options set on the command line (flags that are off and values not given are left out)."""
    values = vars(namespace)
    return {name: values[f"option_{name}"] for name in options
            if values.get(f"option_{name}") is not None and values.get(f"option_{name}") is not False}
