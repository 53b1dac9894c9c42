"""Graph export speed: graphs to PNG through Graphviz, as the CLI and the GUI export them.

Targets (issue: graph export): a 1,000-node layered graph to PNG < 1.5 s; a 20,000-node
tape-like graph collapsed by layer to PNG < 3 s. Also shown, without a target: a real
traced Keras training step of ~1,000 nodes, whose backward pass reads forward values across
the whole depth (the long edges that make ``dot`` slow), exported in full and collapsed.
Times are the best of a few runs (the minimum is the least noisy on shared hosts).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

import engine as tf
from debugger import graph_export as ge

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the shared graphs
from synthetic_graphs import OPS, tape_like_graph  # noqa: E402

from debugger.graph_export import ExportEdge, ExportGraph, ExportNode


def layered_dag(n_nodes: int, width: int = 5, seed: int = 0) -> ExportGraph:
    """Ranks of ``width`` ops, each reading two ops of the rank above and sometimes one three
    ranks up; ten ranks per ``model/layer_<i>`` scope (shown as Graphviz clusters)."""
    rng = random.Random(seed)
    graph = ExportGraph("layered")
    ranks: list[list[str]] = []
    for i in range(n_nodes):
        rank = i // width
        if rank == len(ranks):
            ranks.append([])
        op, node_id = OPS[i % len(OPS)], f"n{i}"
        graph.nodes.append(ExportNode(node_id, f"{op}\n{op}_{i}\nf32[32,64]", op, "op",
                                      scope=f"model/layer_{rank // 10}"))
        ranks[rank].append(node_id)
        if rank:
            for src in rng.sample(ranks[rank - 1], min(2, len(ranks[rank - 1]))):
                graph.edges.append(ExportEdge(src, node_id, "[32,64]", (src,)))
            if rank >= 3 and rng.random() < 0.2:
                src = rng.choice(ranks[rank - 3])
                graph.edges.append(ExportEdge(src, node_id, "[32,64]", (src,)))
    return graph


def keras_training_step(n_layers: int) -> ExportGraph:
    """The traced graph of a deep MLP's training step, each layer under its name scope."""
    layers = [tf.keras.layers.Dense(8, activation="relu") for _ in range(n_layers)]
    model = tf.keras.Sequential(layers + [tf.keras.layers.Dense(10)])
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.SGD(0.01)
    x = tf.constant(np.random.default_rng(0).random((8, 4), dtype=np.float32))
    y = tf.constant(np.arange(8) % 10)
    model(x)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            h = x
            for layer in model.layers:
                with tf.name_scope(layer.name):
                    h = layer(h, training=True)
            loss = loss_fn(y, h)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    return ge.from_traced_graph(train_step.get_concrete_function(x, y).graph)


def best_time(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main(smoke: bool = False) -> None:
    """``smoke``: graphs a twentieth of the size, exported once (checks the script runs; the
    targets, set for the full sizes, are then only a scale)."""
    scale, repeat = (20, 1) if smoke else (1, 3)
    with threadpool_limits(1, user_api="blas"), tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        layered = layered_dag(1_000 // scale)
        tape = tape_like_graph(20_000 // scale, 50 // scale)
        keras = keras_training_step(80 // scale)
        cases = [
            (f"{len(layered):,}-node layered graph, full", layered, False, 1.5),
            (f"{len(tape):,}-node tape, auto-collapsed", tape, "auto", 3.0),
            (f"Keras step ({len(keras)} nodes), full", keras, False, None),
            (f"Keras step ({len(keras)} nodes), auto", keras, "auto", None),
        ]
        print(f"Graphviz: {ge.graphviz.version()}; PNG at most {ge.MAX_PNG_PIXELS:,} px")
        print(f"{'case':38s} {'nodes':>7s} {'drawn':>6s} {'cost':>8s} {'PNG s':>7s} "
              f"{'target':>7s} {'ratio':>6s}")
        for name, graph, collapse, target in cases:
            seconds = best_time(lambda g=graph, c=collapse: ge.export(g, out / "graph.png",
                                                                      collapse=c), repeat)
            drawn = ge.auto_collapse(graph) if collapse == "auto" else graph
            target_text = f"{target:7.1f}" if target else "      -"
            ratio_text = f"{seconds / target:6.2f}" if target else "     -"
            print(f"{name:38s} {len(graph):7d} {len(drawn):6d} "
                  f"{ge.estimated_layout_cost(drawn):8d} {seconds:7.2f} {target_text} "
                  f"{ratio_text}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true",
                        help="small graphs, to check the script runs (the test suite does)")
    main(parser.parse_args().smoke)
