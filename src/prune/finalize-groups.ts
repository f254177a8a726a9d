import type { DependencyGraph } from './dependency-graph.js';
import type { GroupKind } from './group.js';

/** Which hint wins when a group's units carry several (attention beats the stream it reads). */
const RANK: Record<GroupKind, number> = { heads: 5, 'head-dims': 5, hidden: 4, embedding: 3, mlp: 2, channels: 1 };

/** Numbers the units (merged sets of prunable atoms) and gathers the sources that share them into groups. */
export function finalizeGroups(dg: DependencyGraph): void {
  const n = dg.parent.length;
  const unitOf = new Int32Array(n).fill(-1);
  const unitOfRoot = new Map<number, number>();
  for (let a = 1; a < n; a++) {
    const r = dg.find(a);
    if (r === 0) continue;
    let u = unitOfRoot.get(r);
    if (u === undefined) unitOfRoot.set(r, (u = unitOfRoot.size));
    unitOf[a] = u;
  }
  dg.unitOf = unitOf;
  dg.unitCount = unitOfRoot.size;

  // Sources that share a unit are one group (a second union-find, over sources).
  const srcOf = new Int32Array(n).fill(-1);
  dg.sources.forEach((s, i) => srcOf.fill(i, s.base, s.base + s.size));
  const sp = dg.sources.map((_, i) => i);
  const sfind = (i: number): number => {
    while (sp[i] !== i) i = sp[i] = sp[sp[i]!]!;
    return i;
  };
  const firstSrcOfUnit = new Int32Array(dg.unitCount).fill(-1);
  for (let a = 1; a < n; a++) {
    const u = unitOf[a]!;
    if (u < 0 || srcOf[a]! < 0) continue;
    const f = firstSrcOfUnit[u]!;
    if (f < 0) firstSrcOfUnit[u] = srcOf[a]!;
    else {
      const [x, y] = [sfind(f), sfind(srcOf[a]!)];
      if (x !== y) sp[Math.max(x, y)] = Math.min(x, y);
    }
  }
  const groupOfRoot = new Map<number, number>();
  const unitGroup = new Int32Array(dg.unitCount);
  const parts: { sources: Set<number>; units: number[]; members: Set<string> }[] = [];
  for (let u = 0; u < dg.unitCount; u++) {
    const root = sfind(firstSrcOfUnit[u]!);
    let gi = groupOfRoot.get(root);
    if (gi === undefined) {
      groupOfRoot.set(root, (gi = parts.length));
      parts.push({ sources: new Set(), units: [], members: new Set() });
    }
    parts[gi]!.units.push(u);
    unitGroup[u] = gi;
  }
  dg.sources.forEach((_, i) => {
    const gi = groupOfRoot.get(sfind(i));
    if (gi !== undefined) parts[gi]!.sources.add(i);
  });
  const groupsOfMap = new Map<number, Set<number>>();
  const touch = (map: number, node: string): void => {
    let gs = groupsOfMap.get(map);
    if (!gs) {
      gs = new Set();
      for (const atom of dg.maps[map]!) if (unitOf[atom]! >= 0) gs.add(unitGroup[unitOf[atom]!]!);
      groupsOfMap.set(map, gs);
    }
    for (const gi of gs) parts[gi]!.members.add(node);
  };
  for (const c of dg.cuts) touch(c.map, c.node);
  for (const r of dg.rewrites) for (const m of r.kind === 'split' ? r.maps : [r.map]) touch(m, r.node);
  for (const ln of dg.norms) for (const node of ln.stats) touch(ln.map, node);
  // A group's kind: the highest ranked of its hints and of its sources' own kinds (a recurrent layer's hidden units).
  const hinted = new Map<number, { kind: GroupKind; unitSize: number }>();
  const hint = (gi: number, kind: GroupKind, unitSize: number): void => {
    const prev = hinted.get(gi);
    if (!prev || RANK[kind] > RANK[prev.kind]) hinted.set(gi, { kind, unitSize });
  };
  for (const h of dg.kindHints) {
    for (const atom of dg.maps[h.map]!) {
      const u = unitOf[atom]!;
      if (u >= 0) hint(unitGroup[u]!, h.kind, h.unitSize);
    }
  }
  parts.forEach((p, gi) => {
    for (const si of p.sources) if (dg.sources[si]!.kind !== 'channels') hint(gi, dg.sources[si]!.kind, 1);
  });
  const ops = new Map(dg.graph.nodes.map((nd) => [nd.name, nd.opType]));
  dg.groups = parts.map((p, index) => {
    const sources = [...p.sources].sort((a, b) => a - b);
    let frozen = 0;
    for (const si of sources) {
      const s = dg.sources[si]!;
      let f = 0;
      for (let a = s.base; a < s.base + s.size; a++) if (unitOf[a]! < 0) f++;
      frozen = Math.max(frozen, f);
    }
    const names = sources.map((si) => dg.sources[si]!.node);
    // Linear layers with no other kind: the hidden units of an MLP (Linear → activation → Linear).
    const linear = names.every((nm) => ops.get(nm) === 'MatMul' || ops.get(nm) === 'Gemm');
    const { kind, unitSize } = hinted.get(index) ?? { kind: linear ? 'mlp' : 'channels', unitSize: 1 };
    return { index, name: names[0]!, sources: names, members: [...new Set([...names, ...p.members])], units: p.units, frozen, kind, unitSize };
  });
}
