using System.Collections.Generic;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// What a layer kind's epilogue or prologue writes with: the writer, the vector spellings of the width, and the names of
/// the row references the tile walk declared for the current block (<c>h</c>, <c>hn</c>, <c>c</c>, <c>dh</c>, …) and of
/// the cached gate values (<c>i</c>, <c>tc</c>, …).
/// </summary>
internal sealed class KernelBlock
{
    private readonly IReadOnlyDictionary<string, string> _rows;

    public KernelBlock(CodeWriter w, VectorOps o, IReadOnlyDictionary<string, string> rows)
    {
        W = w;
        O = o;
        _rows = rows;
    }

    public CodeWriter W { get; }

    public VectorOps O { get; }

    /// <summary>The reference to row <paramref name="name"/> of the current block.</summary>
    public string Row(string name) => _rows[name];

    /// <summary>The reference to cache slot <paramref name="slot"/> of the current block.</summary>
    public string Cached(string slot) => _rows[TileWalk.CacheRow(slot)];
}
