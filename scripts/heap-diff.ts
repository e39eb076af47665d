/**
 * `node --max-old-space-size=6000 dist/scripts/heap-diff.js A.heapsnapshot B.heapsnapshot [LABEL [N]]`:
 * what grew from heap snapshot A to heap snapshot B, by kind of object (`object:World`,
 * `closure:onAbort`, `string`, ...), largest growth in bytes first; with LABEL, also the shortest
 * path from the roots to the last N (default 3) objects of that kind in B — the chain of references
 * that keeps them alive. Snapshots come from `memory-growth.js --snapshots DIR`, `node
 * --heapsnapshot-signal`, or `v8.writeHeapSnapshot()`.
 */
import { readFileSync } from 'node:fs';

interface RawSnapshot {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: string[];
      readonly node_types: [string[], ...unknown[]];
      readonly edge_fields: string[];
      readonly edge_types: [string[], ...unknown[]];
    };
  };
  readonly nodes: number[];
  readonly edges: number[];
  readonly strings: string[];
}

/** A snapshot's flat arrays, with the offsets needed to walk them. */
class Heap {
  readonly count: number;
  private readonly nodeWidth: number;
  private readonly edgeWidth: number;
  private readonly firstEdge: Uint32Array;
  private readonly field: { type: number; name: number; size: number; edges: number; edgeType: number; edgeName: number; to: number };

  constructor(private readonly raw: RawSnapshot) {
    const meta = raw.snapshot.meta;
    this.nodeWidth = meta.node_fields.length;
    this.edgeWidth = meta.edge_fields.length;
    this.field = {
      type: meta.node_fields.indexOf('type'),
      name: meta.node_fields.indexOf('name'),
      size: meta.node_fields.indexOf('self_size'),
      edges: meta.node_fields.indexOf('edge_count'),
      edgeType: meta.edge_fields.indexOf('type'),
      edgeName: meta.edge_fields.indexOf('name_or_index'),
      to: meta.edge_fields.indexOf('to_node'),
    };
    this.count = raw.nodes.length / this.nodeWidth;
    this.firstEdge = new Uint32Array(this.count + 1);
    for (let node = 0; node < this.count; node++) this.firstEdge[node + 1] = (this.firstEdge[node] as number) + this.nodeValue(node, this.field.edges);
  }

  private nodeValue(node: number, field: number): number {
    return this.raw.nodes[node * this.nodeWidth + field] as number;
  }

  size(node: number): number {
    return this.nodeValue(node, this.field.size);
  }

  /** `type:name` for objects and closures (the constructor or function name); strings by type alone. */
  label(node: number): string {
    const type = this.raw.snapshot.meta.node_types[0][this.nodeValue(node, this.field.type)] ?? '?';
    const name = this.raw.strings[this.nodeValue(node, this.field.name)] ?? '';
    if (type.includes('string')) return type;
    return `${type}:${name.slice(0, 60)}`;
  }

  /** The strong references out of `node`: target and how the edge is named. */
  *edges(node: number): Generator<{ to: number; name: string }> {
    const edgeTypes = this.raw.snapshot.meta.edge_types[0];
    for (let edge = this.firstEdge[node] as number; edge < (this.firstEdge[node + 1] as number); edge++) {
      const base = edge * this.edgeWidth;
      const type = edgeTypes[this.raw.edges[base + this.field.edgeType] as number] ?? '?';
      if (type === 'weak') continue;
      const nameOrIndex = this.raw.edges[base + this.field.edgeName] as number;
      const name = type === 'element' || type === 'hidden' ? String(nameOrIndex) : (this.raw.strings[nameOrIndex] ?? '');
      yield { to: (this.raw.edges[base + this.field.to] as number) / this.nodeWidth, name: `${type}:${name}` };
    }
  }

  totals(): Map<string, { count: number; bytes: number }> {
    const totals = new Map<string, { count: number; bytes: number }>();
    for (let node = 0; node < this.count; node++) {
      const label = this.label(node);
      const entry = totals.get(label) ?? { count: 0, bytes: 0 };
      entry.count += 1;
      entry.bytes += this.size(node);
      totals.set(label, entry);
    }
    return totals;
  }

  /** The shortest chain of strong references from the root (node 0) to each of `targets`. */
  pathsTo(targets: readonly number[]): string[][] {
    const previous = new Int32Array(this.count).fill(-2);
    const via: string[] = new Array<string>(this.count);
    previous[0] = -1;
    const queue = [0];
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head] as number;
      for (const edge of this.edges(node)) {
        if (previous[edge.to] !== -2) continue;
        previous[edge.to] = node;
        via[edge.to] = edge.name;
        queue.push(edge.to);
      }
    }
    return targets.map((target) => {
      const path: string[] = [];
      for (let node = target; node > 0; node = previous[node] as number) path.push(`${this.label(node)}  ← ${via[node] ?? '(unreachable)'}`);
      return path;
    });
  }
}

function load(file: string): Heap {
  return new Heap(JSON.parse(readFileSync(file, 'utf8')) as RawSnapshot);
}

function main(argv: readonly string[]): void {
  const [before, after, label, countText] = argv;
  if (before === undefined || after === undefined) {
    process.stderr.write('usage: heap-diff A.heapsnapshot B.heapsnapshot [LABEL [N]]\n');
    process.exitCode = 2;
    return;
  }
  const first = load(before).totals();
  const heap = load(after);
  const rows = [...heap.totals()]
    .map(([kind, { count, bytes }]) => ({ kind, count: count - (first.get(kind)?.count ?? 0), bytes: bytes - (first.get(kind)?.bytes ?? 0) }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 40);
  process.stdout.write('   objects        bytes  kind\n');
  for (const row of rows) process.stdout.write(`${String(row.count).padStart(10)} ${String(row.bytes).padStart(12)}  ${row.kind}\n`);
  if (label === undefined) return;
  const wanted = Number(countText ?? 3);
  const targets: number[] = [];
  for (let node = heap.count - 1; node >= 0 && targets.length < wanted; node--) if (heap.label(node) === label) targets.push(node);
  for (const path of heap.pathsTo(targets)) process.stdout.write(`\n${label}, retained by:\n  ${path.join('\n  ')}\n`);
}

main(process.argv.slice(2));
