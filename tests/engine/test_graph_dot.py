"""The one DOT writer (``engine.graph.dot``): what Graphviz reads is what was meant."""

from __future__ import annotations

import json
import subprocess

import pytest

from engine.graph.dot import DotWriter, name_as_read, quote, quoted

TRICKY = ["plain_name", "node", "Graph", "-1.5", "3d", "a b", 'say "hi"', "back\\slash",
          "ends\\", 'both\\"', "two\nlines", "<b>html?</b>", "a:port", "scope|dense/x"]


def read_by_graphviz(source: str) -> dict:
    done = subprocess.run(["dot", "-Tjson0"], input=source, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_plain_names_and_numbers_stay_bare_the_rest_is_quoted():
    assert [quote(t) for t in ("dense_1", "_x", "2.5", "-.5", "42")] == [
        "dense_1", "_x", "2.5", "-.5", "42"]
    assert quote("node") == '"node"' and quote("Digraph") == '"Digraph"'  # keywords
    assert quote("#eef3fb") == '"#eef3fb"' and quote("f32[2]") == '"f32[2]"'
    assert quoted('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'


def test_every_name_and_label_is_read_back_as_written():
    dot = DotWriter('title "of" \\ it', rankdir="TB")
    for i, text in enumerate(TRICKY):
        dot.node(text, label=text, tooltip=str(i))
    with dot.cluster("cluster_0", label="inside\\"):
        dot.node("inner", label="x")
    dot.edge(TRICKY[5], TRICKY[8], label=TRICKY[7])
    data = read_by_graphviz(dot.text())
    assert data["name"] == name_as_read('title "of" \\ it')
    nodes = {o["name"]: o for o in data["objects"] if "_gvid" in o and "nodes" not in o}
    assert set(nodes) == {name_as_read(t) for t in TRICKY} | {"inner"}
    for text in TRICKY:  # a label comes back as written; drawn, \\ is \ and \n a break
        assert nodes[name_as_read(text)]["label"] == name_as_read(text)
    (cluster,) = [o for o in data["objects"] if "nodes" in o]
    assert cluster["name"] == "cluster_0" and cluster["label"] == name_as_read("inside\\")
    (edge,) = data["edges"]
    assert edge["label"] == name_as_read(TRICKY[7])


@pytest.mark.parametrize("text", ['<x> ]; evil [image="/etc/hostname"', "a\\",
                                  'a\\"; evil [image="/etc/hostname"]; b=\\"'])
def test_a_hostile_name_adds_no_node_and_no_attribute(text):
    dot = DotWriter(text)
    dot.node(text, label=text)
    with dot.cluster(text, label=text):
        dot.node("n2", label=text)
    dot.edge(text, "n2", label=text)
    objects = read_by_graphviz(dot.text())["objects"]
    assert not any("image" in o for o in objects)
    assert {o["name"] for o in objects if "nodes" not in o} == {name_as_read(text), "n2"}


def test_a_traced_graph_draws_its_branches_and_loop_as_clusters_feeding_their_node():
    from control_flow_script import traced_shrink

    import engine as tf

    shrink = traced_shrink()
    graph = shrink.get_concrete_function(tf.constant([1.0, 2.0]), tf.constant(3)).graph
    data = read_by_graphviz(graph.to_dot())
    objects = data["objects"]
    clusters = {o["label"]: o for o in objects if o.get("name", "").startswith("cluster")}
    assert set(clusters) == {"If then", "If else", "While cond", "While body"}

    def heads(label: str) -> set[str]:
        return {objects[i]["label"].split("\\n")[0] for i in clusters[label]["nodes"]}

    assert "Mul" in heads("If then") and "Neg" in heads("If else")
    assert "Less" in heads("While cond") and {"Sub", "Sqrt"} <= heads("While body")
    by_gvid = {o["_gvid"]: o["label"].split("\\n")[0] for o in objects if "_gvid" in o}
    edges = {(by_gvid[e["tail"]], by_gvid[e["head"]]) for e in data["edges"]}
    assert {("Mul", "If"), ("Neg", "If"), ("Less", "While"), ("AddV2", "While")} <= edges
