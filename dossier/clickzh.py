"""Click's own messages (usage errors, help headings) in Chinese.

Click wraps its texts in ``gettext`` calls bound at import time in each of its
modules; replacing those names is the one hook it offers without a compiled
catalogue. Texts not listed fall back to English (a new click release may add
some; the CLI test lists the ones users meet).
"""

from __future__ import annotations

import importlib

_TEXTS = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "Missing command.": "缺少命令。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值不正确：{message}",
    "Invalid value: {message}": "值不正确：{message}",
    "Option {name!r} does not take a value.": "选项 {name!r} 后面不能跟值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "{value} is not in the range {range}.": "{value} 不在允许范围 {range} 内。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} 不是有效的是/否值，可用：{states}",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，应为文件夹。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹，应为文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 无法读取。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 无法写入。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} 无法执行。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "Show the version and exit.": "显示版本后退出。",
    "Show this message and exit.": "显示本帮助后退出。",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "Aborted!": "已取消。",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "integer": "整数",
    "float": "数字",
    "integer range": "整数",
    "float range": "数字",
    "text": "文本",
    "boolean": "是/否值",
    "unknown error": "未知错误",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "(dynamic)": "（动态）",
    "deprecated": "已弃用",
    "Do you want to continue?": "是否继续？",
    "Value must be an iterable.": "值应为列表。",
}

_PLURALS = {
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Option {name!r} requires an argument.": "选项 {name!r} 后面需要一个值。",
    "Did you mean {possibility}?": "是否想输入 {possibility}？",
    "{value!r} is not {choice}.": "{value!r} 不是可选值 {choice}。",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，只给了 1 个。",
    "{len_type} values are required, but {len_value} was given.":
        "需要 {len_type} 个值，只给了 {len_value} 个。",
}
_PLURAL_OTHER = {
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 后面需要 {nargs} 个值。",
    "(Did you mean one of: {possibilities}?)": "（是否想输入以下之一：{possibilities}？）",
    "{value!r} is not one of {choices}.": "{value!r} 不是可选值之一：{choices}。",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个值，给了 {len} 个。",
    "{len_type} values are required, but {len_value} were given.":
        "需要 {len_type} 个值，给了 {len_value} 个。",
}

_MODULES = ("core", "exceptions", "formatting", "parser", "types", "decorators", "termui")


def gettext(message: str) -> str:
    return _TEXTS.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    if n == 1:
        return _PLURALS.get(singular, singular)
    return _PLURAL_OTHER.get(plural, plural)


_TYPE_NAMES = {"IntParamType": "整数", "FloatParamType": "数字", "IntRange": "整数",
               "FloatRange": "数字", "StringParamType": "文本", "Path": "路径",
               "BoolParamType": "是/否", "Choice": "选项值"}


def install(group=None) -> None:
    """Point click's messages at the Chinese table; with ``group``, its usage lines too."""
    import click

    for cls_name, zh in _TYPE_NAMES.items():
        getattr(click.types, cls_name).name = zh
    if group is not None:
        _localize(group)
    for name in _MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = gettext
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext


def _localize(command) -> None:
    """``[OPTIONS]`` and ``COMMAND [ARGS]...`` in every usage line, recursively."""
    command.options_metavar = "[选项]"
    if hasattr(command, "commands"):
        command.subcommand_metavar = "命令 [参数]..."
        for sub in command.commands.values():
            _localize(sub)
