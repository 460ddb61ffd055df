"""Shell completion of names: surfaces (and .toml files), optimizers (and their
hyperparameters after ``:``), views (after a comma too) and figure recipes. Imported only when
the shell asks (``_ADAMVIZ_COMPLETE``), so the names are read from the registries then.

bash splits a word at ``:`` and ``=`` (both are in ``COMP_WORDBREAKS``), so ``--opt
adam:lr=0.1,be<Tab>`` reaches click as the words ``adam``, ``:``, ``lr``, ``=``, ``0.1,be``;
``ColonBash``'s script joins them back before asking, and hands bash only what follows the
word's last ``:`` or ``=`` (the part bash replaces)."""

from __future__ import annotations

from click.shell_completion import BashComplete, CompletionItem, add_completion_class

_JOIN = """    local response words=() cword=0 cur i w head
    # bash split "adam:lr=0.1" at ":" and "=" (COMP_WORDBREAKS): join the pieces back
    for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
        w="${COMP_WORDS[i]}"
        if (( ${#words[@]} )) && [[ $COMP_WORDBREAKS == *:* ]] \\
                && { [[ $w == [:=]* ]] || [[ ${words[-1]} == *[:=] ]]; }; then
            words[-1]+="$w"
        else
            words+=("$w")
        fi
        (( i == COMP_CWORD )) && cword=$(( ${#words[@]} - 1 ))
    done
    cur="${words[cword]}"
"""
_STRIP = """            # bash replaces only what follows the word's last ':' or '='
            if [[ $cur == *[:=]* && $COMP_WORDBREAKS == *:* ]]; then
                head="${cur%%[:=]*}"; value="${value:$(( ${#head} + 1 ))}"
            fi
            # "adam:" and "lr=" go on being typed: no space after them
            [[ $value == *[:=,] ]] && compopt -o nospace 2> /dev/null
            COMPREPLY+=($value)"""


def _patched(template: str) -> str:
    """click's bash script with the joining and the stripping put in; a click whose script
    reads otherwise is said loudly, never completed wrongly."""
    for old, new in (("    local response\n", _JOIN),
                     ('COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD=$COMP_CWORD',
                      'COMP_WORDS="${words[*]}" COMP_CWORD=$cword'),
                     ("            COMPREPLY+=($value)", _STRIP)):
        if old not in template:
            raise RuntimeError(f"click's bash completion script changed: {old.strip()!r}")
        template = template.replace(old, new)
    return template


class ColonBash(BashComplete):
    """click's bash completion, with words split at ``:`` and ``=`` joined back (see the
    module)."""

    source_template = _patched(BashComplete.source_template)


def use_colon_bash() -> None:
    add_completion_class(ColonBash, "bash")


def surfaces(ctx, param, incomplete: str):
    from .. import surfaces as registry

    folders = ctx.params.get("surfaces_dir") or ()
    names = registry.available(folders)
    return [CompletionItem(name) for name in names if name.startswith(incomplete)] + \
        ([CompletionItem(incomplete, type="file")] if "/" in incomplete or "." in incomplete
         else [])


def optimizers(ctx, param, incomplete: str):
    """``ad`` -> adam, adamax, adamw; ``adam:`` -> ``adam:lr=`` and every hyperparameter."""
    from ..optimizers import registry

    name, colon, given = incomplete.partition(":")
    if not colon:
        return [CompletionItem(n) for n in registry.names() if n.startswith(name)]
    if name not in registry.names():
        return []
    done, _, last = given.rpartition(",")
    prefix = f"{name}:{done + ',' if done else ''}"
    return [CompletionItem(f"{prefix}{key}=", help=f"default {value}")
            for key, value in registry.defaults(name).items() if key.startswith(last)]


def views(ctx, param, incomplete: str):
    """View names, each after the ones already listed: ``contour,lo`` -> ``contour,loss``."""
    from ..render.views import VIEWS

    done, comma, last = incomplete.rpartition(",")
    taken = set(done.split(",")) if comma else set()
    return [CompletionItem(f"{done}{comma}{name}") for name in VIEWS
            if name.startswith(last) and name not in taken]


def recipes(ctx, param, incomplete: str):
    from ..studies import recipes as book

    return [CompletionItem(name) for name in book.available() if name.startswith(incomplete)]
