using System.Collections.Generic;
using static RnnGen.Generator.Emitting.Syntax;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// A reference that moves with the tile walk: row <see cref="Name"/> of tile t starts at
/// <see cref="Source"/> + <see cref="Base"/> + t·<see cref="TileStride"/>, and its sub-block b a further b·BlockRows on.
/// </summary>
internal readonly record struct TileRow(string Name, string Source, int TileStride, string Base = "0");

/// <summary>
/// The one tile walk of every tiled kernel (inference and training forward, the many-agent step, the bfloat16 kernels,
/// the backward δ, the weight gradients): the loop over tiles (in serpentine order when the kernel takes
/// <c>reverse</c>), the loop over a tile's sub-blocks, and a <c>ref float</c> per row at each level. A loop of one
/// iteration is not written, and a row whose reference would be its source's is not declared, so small models read
/// flat. The body asks for the current names with the indexer (or through <see cref="Block"/>).
/// </summary>
internal sealed class TileWalk
{
    private readonly CodeWriter _w;
    private readonly Dictionary<string, string> _names = new();
    private readonly List<string> _rows = new();

    public TileWalk(CodeWriter w) => _w = w;

    /// <summary>The reference to <paramref name="row"/> at the current level.</summary>
    public string this[string row] => _names[row];

    /// <summary>The row name of cache slot <paramref name="slot"/>.</summary>
    public static string CacheRow(string slot) => "cache." + slot;

    /// <summary>A <see cref="KernelBlock"/> over the current names.</summary>
    public KernelBlock Block(VectorOps o) => new(_w, o, new Dictionary<string, string>(_names));

    /// <summary>Registers a reference that does not move with the walk (a kernel parameter, an agent's state).</summary>
    public void Fixed(string row, string name) => _names[row] = name;

    /// <summary>
    /// Opens the loop over <paramref name="tiles"/> tiles (serpentine: odd steps, told by the kernel's <c>reverse</c>,
    /// go last to first) and declares each row's tile reference.
    /// </summary>
    public CodeWriter.Scope Tiles(int tiles, bool serpentine, params TileRow[] rows)
    {
        var scope = default(CodeWriter.Scope);
        string tile = "0";
        if (tiles > 1)
        {
            if (serpentine)
            {
                scope = _w.Block($"for (int i = 0; i < {I(tiles)}; i++)");
                _w.Line($"int t = reverse ? {I(tiles - 1)} - i : i;   // odd steps: last tile first (still in L1)");
            }
            else scope = _w.Block($"for (int t = 0; t < {I(tiles)}; t++)");
            tile = "t";
        }

        foreach (var row in rows)
        {
            _rows.Add(row.Name);
            string offset = Plus(row.Base, Times(tile, row.TileStride));
            if (offset == "0")
            {
                _names[row.Name] = row.Source;
                continue;
            }

            string name = RefName(row.Name, "T");
            _w.Line($"ref float {name} = {At(row.Source, offset)};");
            _names[row.Name] = name;
        }

        return scope;
    }

    /// <summary>Opens the loop over a tile's <paramref name="blocks"/> sub-blocks of <paramref name="blockRows"/> rows and moves every tile row with it.</summary>
    public CodeWriter.Scope Blocks(int blocks, int blockRows)
    {
        if (blocks <= 1) return default;
        var scope = _w.Block($"for (int b = 0; b < {I(blocks)}; b++)");
        string offset = Times("b", blockRows);
        foreach (var row in _rows)
        {
            string name = RefName(row, "B");
            _w.Line($"ref float {name} = {At(_names[row], offset)};");
            _names[row] = name;
        }

        return scope;
    }

    /// <summary>"w" + "T" → "wT"; cache slot "cache.i" + "B" → "iC".</summary>
    private static string RefName(string row, string level) =>
        row.StartsWith("cache.", System.StringComparison.Ordinal) ? row.Substring("cache.".Length) + (level == "T" ? "CT" : "C") : row + level;
}
