"""The source-to-source part of AutoGraph: a function's AST with Python ``if``/``while``/
``for`` turned into calls of the converted operators (``engine.autograph.operators``), which
decide at trace time whether the condition or iterable is a tensor.

Two passes over each function body, as TensorFlow's converters do:
1. ``break``, ``continue`` and ``return`` become flag assignments (``break_1 = True``) and
   the statements after them are guarded by ``if ag__.neither(flag):``, so that every
   construct has a single exit a graph can express.
2. Each ``if``/``while``/``for`` becomes nested functions (the branches, the loop body, the
   loop test, ``get_state``/``set_state`` over the names the statement assigns that are used
   elsewhere) and one operator call; ``and``/``or``/``not`` become ``ag__.and_`` … (lazy,
   as Python's); calls become ``ag__.converted_call`` (recursive conversion).

New nodes take the line of the statement they replace, so tracebacks and the debugger's
source lines point at the user's code.
"""

from __future__ import annotations

import ast
import itertools
from typing import Any

AG = "ag__"
# calls that need the caller's own frame, or are never worth converting
_NOT_WRAPPED = frozenset({"super", "locals", "globals", "vars", "eval", "exec", "range",
                          "len", "isinstance", "print", "type", "id"})


def _name(id_: str, ctx: Any = None) -> ast.Name:
    return ast.Name(id=id_, ctx=ctx or ast.Load())


def _ag(attr: str) -> ast.Attribute:
    return ast.Attribute(value=_name(AG), attr=attr, ctx=ast.Load())


def _call(func: ast.expr, *args: ast.expr, **kwargs: ast.expr) -> ast.Call:
    return ast.Call(func=func, args=list(args),
                    keywords=[ast.keyword(arg=k, value=v) for k, v in kwargs.items()])


def _assign(target: str, value: ast.expr) -> ast.Assign:
    return ast.Assign(targets=[_name(target, ast.Store())], value=value)


def _no_args() -> ast.arguments:
    return ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[],
                         kwarg=None, defaults=[])


def _def(name: str, body: list[ast.stmt], args: ast.arguments | None = None) -> ast.FunctionDef:
    return ast.FunctionDef(name=name, args=args or _no_args(), body=body or [ast.Pass()],
                           decorator_list=[], returns=None, type_params=[])


def _walk_scope(node: ast.AST):
    """Nodes of ``node`` without descending into nested functions, lambdas, classes and
    comprehensions (their names are their own)."""
    todo = list(ast.iter_child_nodes(node))
    while todo:
        child = todo.pop()
        yield child
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
                      | ast.ClassDef | ast.ListComp | ast.SetComp | ast.DictComp
                      | ast.GeneratorExp):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                todo.extend(child.decorator_list)
            continue
        todo.extend(ast.iter_child_nodes(child))


def assigned_names(stmts: list[ast.stmt]) -> list[str]:
    """Names the statements bind in the function's own scope, in a stable order."""
    names: dict[str, None] = {}
    for stmt in stmts:
        nodes = [stmt, *_walk_scope(stmt)]
        for node in nodes:
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names[node.id] = None
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names[node.name] = None
            elif isinstance(node, ast.alias):
                names[(node.asname or node.name).split(".")[0]] = None
    return sorted(names)


def assigned_attributes(stmts: list[ast.stmt]) -> list[str]:
    """``obj.attr`` targets the statements assign (object state a branch or loop carries,
    as TensorFlow's composite symbols), as "obj.attr" strings."""
    found: dict[str, None] = {}
    for stmt in stmts:
        for node in [stmt, *_walk_scope(stmt)]:
            if (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
                    and isinstance(node.value, ast.Name)):
                found[f"{node.value.id}.{node.attr}"] = None
    return sorted(found)


def _state_expr(name: str) -> ast.expr:
    """How get_state reads a state name: the variable, or ``ag__.get_attr(obj, 'attr')``."""
    if "." not in name:
        return _name(name)
    base, attr = name.split(".")
    return _call(_ag("get_attr"), _name(base), ast.Constant(attr))


def _ordered_names(stmts: list[ast.stmt]) -> list[tuple[str, bool]]:
    """(name, is_load) in evaluation order: a value before its targets, a loop's test and
    iterable before its body (enough to tell "read before written" in a loop body)."""
    out: list[tuple[str, bool]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Name):
            out.append((node.id, not isinstance(node.ctx, ast.Store)))
        elif isinstance(node, ast.Assign):
            visit(node.value)
            for t in node.targets:
                visit(t)
        elif isinstance(node, ast.AugAssign):
            if isinstance(node.target, ast.Name):
                out.append((node.target.id, True))
            visit(node.value)
            visit(node.target)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                visit(node.value)
            visit(node.target)
        elif isinstance(node, ast.For):
            visit(node.iter)
            visit(node.target)
            for s in node.body + node.orelse:
                visit(s)
        elif isinstance(node, ast.Lambda | ast.FunctionDef | ast.ListComp | ast.SetComp
                        | ast.DictComp | ast.GeneratorExp):
            for sub in ast.walk(node):  # what a nested scope reads counts as read here
                if isinstance(sub, ast.Name) and not isinstance(sub.ctx, ast.Store):
                    out.append((sub.id, True))
        else:
            for child in ast.iter_child_nodes(node):
                visit(child)

    for stmt in stmts:
        visit(stmt)
    return out


# -- pass 1: break / continue / return as flags ---------------------------------------------------

class JumpLowering:
    """Rewrites ``break``/``continue``/``return`` into flags plus guards (TensorFlow's
    break_statements, continue_statements and return_statements converters)."""

    def __init__(self) -> None:
        self.counter = itertools.count(1)
        self.uses_return = False

    def lower_function(self, fdef: ast.FunctionDef) -> None:
        """Lower returns only where one sits inside a loop or an ``if`` (elsewhere Python's
        own return is exact and cheaper)."""
        nested = any(isinstance(n, ast.Return) for stmt in fdef.body
                     if isinstance(stmt, ast.If | ast.While | ast.For | ast.With | ast.Try)
                     for n in [stmt, *_walk_scope(stmt)])
        self.uses_return = nested
        body = self.block(fdef.body, loop=None)
        if nested:
            body = [_assign("do_return", ast.Constant(False)),
                    _assign("retval_", _call(_ag("UndefinedReturnValue"))),
                    *body, ast.Return(value=_call(_ag("return_value"), _name("retval_")))]
            for stmt in body[:2] + body[-1:]:
                ast.copy_location(stmt, fdef.body[0] if fdef.body else fdef)
        else:  # a name a loop or branch left unbound fails as it is returned, as in TF
            for stmt in body:
                for node in [stmt, *_walk_scope(stmt)]:
                    if isinstance(node, ast.Return) and node.value is not None:
                        node.value = ast.copy_location(
                            _call(_ag("return_value"), node.value), node.value)
        fdef.body = body

    def _flags(self, loop: tuple[str, str] | None) -> set[str]:
        flags = {"do_return"} if self.uses_return else set()
        if loop is not None:
            flags |= set(loop)
        return flags

    def block(self, stmts: list[ast.stmt], loop: tuple[str, str] | None) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        flags = self._flags(loop)
        for i, stmt in enumerate(stmts):
            rest = stmts[i + 1:]
            if (isinstance(stmt, ast.If) and self.uses_return and rest
                    and _always_returns(stmt.body) and not _always_returns(stmt.orelse)):
                # `if c: return a` then more: the rest is the else branch (TensorFlow's
                # return converter does the same), so both branches define the result
                stmt.orelse = stmt.orelse + rest
                out.extend(self.statement(stmt, loop))
                return out
            new = self.statement(stmt, loop)
            out.extend(new)
            if isinstance(stmt, ast.Break | ast.Continue) or (
                    isinstance(stmt, ast.Return) and self.uses_return):
                return out  # what follows a jump never runs
            may_set = sorted(flags & set(assigned_names(new)))
            rest = stmts[i + 1:]
            if may_set and rest:
                guard = ast.If(test=_call(_ag("neither"), *[_name(f) for f in may_set]),
                               body=self.block(rest, loop), orelse=[])
                ast.copy_location(guard, rest[0])
                ast.copy_location(guard.test, rest[0])
                out.append(guard)
                return out
        return out

    def statement(self, stmt: ast.stmt, loop: tuple[str, str] | None) -> list[ast.stmt]:
        if isinstance(stmt, ast.Break) and loop is not None:
            return [ast.copy_location(_assign(loop[0], ast.Constant(True)), stmt)]
        if isinstance(stmt, ast.Continue) and loop is not None:
            return [ast.copy_location(_assign(loop[1], ast.Constant(True)), stmt)]
        if isinstance(stmt, ast.Return) and self.uses_return:
            value = stmt.value if stmt.value is not None else ast.Constant(None)
            return [ast.copy_location(_assign("do_return", ast.Constant(True)), stmt),
                    ast.copy_location(_assign("retval_", value), stmt)]
        if isinstance(stmt, ast.If):
            stmt.body = self.block(stmt.body, loop) or [ast.Pass()]
            stmt.orelse = self.block(stmt.orelse, loop)
            return [stmt]
        if isinstance(stmt, ast.With):
            stmt.body = self.block(stmt.body, loop) or [ast.Pass()]
            return [stmt]
        if isinstance(stmt, ast.While | ast.For):
            return self.loop(stmt)
        return [stmt]

    def loop(self, stmt: ast.While | ast.For) -> list[ast.stmt]:
        k = next(self.counter)
        flags = (f"break_{k}", f"continue_{k}")
        jumps = {type(n) for n in _loop_own_nodes(stmt.body)}
        returns = self.uses_return and any(isinstance(n, ast.Return)
                                           for s in stmt.body for n in [s, *_walk_scope(s)])
        body = self.block(stmt.body, flags)
        before: list[ast.stmt] = []
        stops: list[ast.expr] = []
        if ast.Continue in jumps:
            body.insert(0, ast.copy_location(_assign(flags[1], ast.Constant(False)), stmt))
        if ast.Break in jumps:
            before.append(ast.copy_location(_assign(flags[0], ast.Constant(False)), stmt))
            stops.append(_name(flags[0]))
        if returns:
            stops.append(_name("do_return"))
        stmt.body = body or [ast.Pass()]
        if stops:  # the loop also ends when a flag is set: ag__.neither(...) is its extra test
            stmt.ag_extra_test = _call(_ag("neither"), *stops)  # type: ignore[attr-defined]
        if stmt.orelse:
            stmt.orelse = self.block(stmt.orelse, None)
            if ast.Break in jumps:  # `else` runs only when no break happened
                guard = ast.If(test=_call(_ag("neither"), _name(flags[0])), body=stmt.orelse,
                               orelse=[])
                stmt.orelse = [ast.copy_location(guard, stmt.orelse[0])]
        return [*before, stmt]


def _always_returns(stmts: list[ast.stmt]) -> bool:
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, ast.Return):
        return True
    return isinstance(last, ast.If) and _always_returns(last.body) and _always_returns(
        last.orelse)


def _loop_own_nodes(stmts: list[ast.stmt]):
    """The break/continue statements that belong to this loop (not to a nested one)."""
    todo = list(stmts)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Break | ast.Continue):
            yield node
        if isinstance(node, ast.While | ast.For):
            todo.extend(node.orelse)
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        todo.extend(c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt))


# -- pass 2: control flow and expressions as operator calls ---------------------------------------

class ControlFlowConversion(ast.NodeTransformer):
    """``if``/``while``/``for``, ``and``/``or``/``not`` and calls of one function body."""

    def __init__(self, fdef: ast.FunctionDef, globals_: set[str], counter: Any) -> None:
        self.globals = globals_
        self.counter = counter
        # every mention of a name in the function (nested scopes too: closures read them)
        self.mentions: list[ast.Name] = [n for stmt in fdef.body for n in ast.walk(stmt)
                                         if isinstance(n, ast.Name)]
        self.root = fdef

    # -- analysis ---------------------------------------------------------------------------
    def _used_outside(self, stmt: ast.stmt, names: list[str]) -> list[str]:
        """Names also read or bound elsewhere in the function: the statement must update
        the function's own variable, not a temporary of its branch or body."""
        inside = {id(n) for n in ast.walk(stmt)}
        used = {n.id for n in self.mentions if id(n) not in inside}
        used |= {a.arg for a in ast.walk(self.root.args) if isinstance(a, ast.arg)}
        return [n for n in names if n in used]

    def _state_names(self, stmt: ast.stmt, loop: bool) -> list[str]:
        names = [n for n in assigned_names(stmt.body + stmt.orelse) if n not in self.globals]
        if isinstance(stmt, ast.For):
            names = [n for n in names if n not in assigned_names([ast.Assign(
                targets=[stmt.target], value=ast.Constant(None))])]
        live = set(self._used_outside(stmt, names))
        # and what a branch, or the test or an iteration, reads before writing it (the value
        # from before the statement, or from the iteration before)
        blocks = [stmt.body, stmt.orelse] if not loop else [
            ([ast.Expr(stmt.test)] if isinstance(stmt, ast.While) else []) + stmt.body]
        extra = getattr(stmt, "ag_extra_test", None)
        if extra is not None:
            blocks[0] = [ast.Expr(extra)] + blocks[0]
        for block in blocks:
            seen: set[str] = set()
            for name, is_load in _ordered_names(block):
                if is_load and name not in seen:
                    live.add(name)
                seen.add(name)
        inner = set(names)
        attributes = [a for a in assigned_attributes(stmt.body + stmt.orelse)
                      if a.split(".")[0] not in inner]  # an object made inside is its own
        return [n for n in names if n in live] + attributes

    def _scope_decl(self, names: list[str]) -> list[ast.stmt]:
        names = [n for n in names if "." not in n]
        local = [n for n in names if n not in self.globals]
        glob = [n for n in names if n in self.globals]
        out: list[ast.stmt] = []
        if local:
            out.append(ast.Nonlocal(names=local))
        if glob:
            out.append(ast.Global(names=glob))
        return out

    def _state_functions(self, k: int, names: list[str]) -> list[ast.stmt]:
        get = _def(f"get_state_{k}", [ast.Return(value=ast.Tuple(
            elts=[_state_expr(n) for n in names], ctx=ast.Load()))])
        sets: list[ast.stmt] = []
        for i, n in enumerate(names):
            item = ast.Subscript(value=_name("vars_"), slice=ast.Constant(i), ctx=ast.Load())
            if "." in n:
                base, attr = n.split(".")
                sets.append(ast.Expr(_call(_ag("set_attr"), _name(base), ast.Constant(attr),
                                           item)))
            else:
                sets.append(ast.Assign(targets=[_name(n, ast.Store())], value=item))
        set_ = _def(f"set_state_{k}", [*self._scope_decl(names), *sets],
                    ast.arguments(posonlyargs=[], args=[ast.arg(arg="vars_")], vararg=None,
                                  kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]))
        return [get, set_]

    def _bind_undefined(self, names: list[str]) -> list[ast.stmt]:
        """``a, b = ag__.bound_or_undefined(locals(), ('a', 'b'))``: every state name bound
        in this scope (``nonlocal`` needs it), as Undefined where Python has no value yet."""
        local = [n for n in names if n not in self.globals and "." not in n]
        if not local:
            return []
        target = ast.Tuple(elts=[_name(n, ast.Store()) for n in local], ctx=ast.Store())
        return [ast.Assign(targets=[target], value=_call(
            _ag("bound_or_undefined"), _call(_name("locals")),
            ast.Tuple(elts=[ast.Constant(n) for n in local], ctx=ast.Load())))]

    @staticmethod
    def _names_tuple(names: list[str]) -> ast.Tuple:
        return ast.Tuple(elts=[ast.Constant(n) for n in names], ctx=ast.Load())

    def _placed(self, stmt: ast.stmt, new: list[ast.stmt]) -> list[ast.stmt]:
        """Generated nodes on the statement's first line only: Python reports a call at the
        last line of its callee expression, which must be the ``if``/``while``/``for``."""
        for node in new:
            _on_line(node, stmt)
        module = ast.Module(body=new, type_ignores=[])
        for node in ast.walk(module):
            if isinstance(node, ast.stmt | ast.expr) and not hasattr(node, "lineno"):
                _on_line(node, stmt)
        return new

    # -- statements ---------------------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        if node is self.root:
            self.generic_visit(node)
            return node
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        return convert_function_def(node, self.counter, nested=True)  # its own scope

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        """A lambda's expression is converted like the function's own (``a if t else b``,
        ``and``/``or``/``not``, calls), as TensorFlow converts lambdas."""
        self.generic_visit(node)
        return node

    def visit_If(self, node: ast.If) -> Any:
        k = next(self.counter)
        names = self._state_names(node, loop=False)
        test = self.visit(node.test)
        body = self._visit_block(node.body)
        orelse = self._visit_block(node.orelse)
        decl = self._scope_decl(names)
        new = [*self._bind_undefined(names), *self._state_functions(k, names),
               _def(f"if_body_{k}", decl + body), _def(f"else_body_{k}", decl + orelse),
               ast.Expr(_call(_ag("if_stmt"), test, _name(f"if_body_{k}"),
                              _name(f"else_body_{k}"), _name(f"get_state_{k}"),
                              _name(f"set_state_{k}"), self._names_tuple(names)))]
        return self._placed(node, new)

    def visit_While(self, node: ast.While) -> Any:
        k = next(self.counter)
        names = self._state_names(node, loop=True)
        extra = getattr(node, "ag_extra_test", None)
        test = self.visit(node.test)
        body = self._visit_block(node.body)
        decl = self._scope_decl(names)
        new = [*self._bind_undefined(names), *self._state_functions(k, names),
               _def(f"loop_test_{k}", [ast.Return(value=test)]),
               _def(f"loop_body_{k}", decl + body)]
        extra_fn: ast.expr = ast.Constant(None)
        if extra is not None:
            new.append(_def(f"extra_test_{k}", [ast.Return(value=extra)]))
            extra_fn = _name(f"extra_test_{k}")
        new.append(ast.Expr(_call(_ag("while_stmt"), _name(f"loop_test_{k}"),
                                  _name(f"loop_body_{k}"), _name(f"get_state_{k}"),
                                  _name(f"set_state_{k}"), self._names_tuple(names),
                                  extra_test=extra_fn)))
        new += self._orelse(node)
        return self._placed(node, new)

    def visit_For(self, node: ast.For) -> Any:
        k = next(self.counter)
        names = self._state_names(node, loop=True)
        extra = getattr(node, "ag_extra_test", None)
        header = node.iter
        if (isinstance(header, ast.Call) and isinstance(header.func, ast.Attribute)
                and header.func.attr == "range"):  # tf.range(n): a counter, not a tensor
            self.generic_visit(header)
            callee = ast.copy_location(_ag("range_iterable"), header.func)
            ast.copy_location(callee.value, header.func)
            iterable: ast.expr = ast.copy_location(ast.Call(
                func=callee, args=[header.func, *header.args], keywords=header.keywords), header)
        else:
            iterable = self.visit(header)
        body = self._visit_block(node.body)
        target_names = [n for n in assigned_names([ast.Assign(targets=[node.target],
                                                              value=ast.Constant(None))])]
        decl = self._scope_decl(names + [n for n in target_names if n not in names])
        bind = ast.Assign(targets=[node.target], value=_name(f"itr_{k}"))
        new = [*self._bind_undefined(names + target_names), *self._state_functions(k, names),
               _def(f"loop_body_{k}", decl + [bind] + body, ast.arguments(
                   posonlyargs=[], args=[ast.arg(arg=f"itr_{k}")], vararg=None, kwonlyargs=[],
                   kw_defaults=[], kwarg=None, defaults=[]))]
        extra_fn: ast.expr = ast.Constant(None)
        if extra is not None:
            new.append(_def(f"extra_test_{k}", [ast.Return(value=extra)]))
            extra_fn = _name(f"extra_test_{k}")
        new.append(ast.Expr(_call(_ag("for_stmt"), iterable, _name(f"loop_body_{k}"),
                                  _name(f"get_state_{k}"), _name(f"set_state_{k}"),
                                  self._names_tuple(names), extra_test=extra_fn)))
        new += self._orelse(node)
        return self._placed(node, new)

    def _orelse(self, node: ast.While | ast.For) -> list[ast.stmt]:
        """A loop's ``else``: after the loop (a ``break`` guard was added by pass 1)."""
        return self._visit_block(node.orelse) if node.orelse else []

    def _visit_block(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for stmt in stmts:
            new = self.visit(stmt)
            if new is None:
                continue
            out.extend(new if isinstance(new, list) else [new])
        return out

    # -- expressions ----------------------------------------------------------------------------
    def visit_BoolOp(self, node: ast.BoolOp) -> Any:
        values = [self.visit(v) for v in node.values]
        op = "and_" if isinstance(node.op, ast.And) else "or_"
        result = values[-1]
        for value in reversed(values[:-1]):  # a and b and c -> and_(a, lambda: and_(b, c))
            callee = _ag(op)
            _on_line(callee, value)
            _on_line(callee.value, value)
            result = ast.copy_location(_call(callee, _lambda(value), _lambda(result)), value)
        return ast.copy_location(result, node)

    def visit_IfExp(self, node: ast.IfExp) -> Any:
        self.generic_visit(node)
        callee = _ag("if_exp")
        _on_line(callee, node)
        _on_line(callee.value, node)
        return ast.copy_location(_call(callee, node.test, _lambda(node.body),
                                       _lambda(node.orelse)), node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Any:
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            callee = _ag("not_")
            _on_line(callee, node)
            _on_line(callee.value, node)
            return ast.copy_location(_call(callee, node.operand), node)
        return node

    def visit_Call(self, node: ast.Call) -> Any:
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Name) and func.id in _NOT_WRAPPED:
            return node
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and (
                func.value.id == AG):
            return node
        # the callee keeps the user's callee's place: Python reports a call at its line
        callee = ast.copy_location(_ag("converted_call"), func)
        ast.copy_location(callee.value, func)
        return ast.copy_location(ast.Call(func=callee, args=[func, *node.args],
                                          keywords=node.keywords), node)


def _on_line(node: ast.AST, stmt: ast.stmt) -> None:
    node.lineno = node.end_lineno = stmt.lineno
    node.col_offset = node.end_col_offset = stmt.col_offset


def _lambda(body: ast.expr) -> ast.Lambda:
    return ast.copy_location(ast.Lambda(args=_no_args(), body=body), body)


def convert_function_def(fdef: ast.FunctionDef, counter: Any = None,
                         nested: bool = False) -> ast.FunctionDef:
    """``fdef`` with its control flow converted, in place; the decorators of the converted
    function itself are dropped (they already wrap it), a nested def keeps its own."""
    counter = counter or itertools.count(1)
    if not nested:
        fdef.decorator_list = []
    JumpLowering().lower_function(fdef)
    globals_ = {n for stmt in fdef.body for node in [stmt, *_walk_scope(stmt)]
                if isinstance(node, ast.Global) for n in node.names}
    ControlFlowConversion(fdef, globals_, counter).visit(fdef)
    ast.fix_missing_locations(fdef)
    return fdef
