using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Emit;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// The boundary between PyTorch's layout and the internal tile-major one: <c>ParameterLayout</c>
/// (tensor names, shapes, canonical offsets), <c>ParameterIndex</c> (canonical → internal index) and
/// the copy methods built on it.
/// </summary>
internal static class LayoutEmitter
{
    public static void EmitLayout(CodeWriter w, KernelPlan plan)
    {
        w.Line("/// <summary>The tensors in PyTorch <c>state_dict</c> order with their shapes and canonical offsets.</summary>");
        w.Line(GeneratedCode);
        w.Line("public static global::RnnGen.RnnParameterLayout ParameterLayout { get; } = new global::RnnGen.RnnParameterLayout(");
        w.Indent();
        w.Line($"\"{plan.Fingerprint}\",");
        for (int i = 0; i < plan.Tensors.Count; i++)
        {
            var t = plan.Tensors[i];
            w.Line($"new global::RnnGen.RnnTensorInfo(\"{t.Name}\", {I(t.Rows)}, {I(t.Columns)}, {I(t.CanonicalOffset)}){(i + 1 < plan.Tensors.Count ? "," : ");")}");
        }

        w.Unindent();
        w.Line();

        w.Line("/// <summary>");
        w.Line("/// Maps an index of the canonical (PyTorch-order) parameter vector to the index of the same value in");
        w.Line("/// <see cref=\"Parameters\"/> and <see cref=\"Gradients\"/>, which are stored tile-major for SIMD.");
        w.Line("/// </summary>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">The index is not in [0, TrainableParameterCount).</exception>");
        w.Line(GeneratedCode);
        w.Open("public static int ParameterIndex(int canonicalIndex)");
        w.Line("if ((uint)canonicalIndex >= (uint)TrainableParameterCount)");
        w.Line("    throw new global::System.ArgumentOutOfRangeException(nameof(canonicalIndex), canonicalIndex, \"The index must be in [0, TrainableParameterCount = \" + TrainableParameterCount + \").\");");
        w.Line("int i = canonicalIndex;");
        int TR = plan.TileRows, H = plan.Spec.Hidden;
        int tensor = 0;
        if (plan.HasEmbedding)
        {
            var emb = plan.Tensors[tensor++];
            w.Line($"// {emb.Name} [{emb.Rows}, {emb.Columns}]: stored as is, row-major, at {KernelPlan.EmbeddingOffset}");
            w.Line($"if (i < {I(emb.Length)}) return {I(KernelPlan.EmbeddingOffset)} + i;");
        }

        foreach (var layer in plan.LayerPlans)
        {
            var wih = plan.Tensors[tensor++];
            var whh = plan.Tensors[tensor++];
            var bih = plan.Tensors[tensor++];
            var bhh = plan.Tensors[tensor++];
            int CS = layer.ColumnStride;
            // Row R of a PyTorch tensor is gate g = R / H, unit j = R % H; it lives in tile j / TR, gate block g, row j % TR.
            string Row(string r) => plan.Gates == 1
                ? $"{I(layer.Offset)} + {r} / {I(TR)} * {I(layer.TileStride)} + {r} % {I(TR)}"
                : $"{I(layer.Offset)} + {r} % {I(H)} / {I(TR)} * {I(layer.TileStride)} + {r} / {I(H)} * {I(TR)} + {r} % {I(H)} % {I(TR)}";
            w.Line($"// {wih.Name} [{wih.Rows}, {wih.Columns}]: row R (gate R/{H}, unit R%{H}), column k → tile, then column k of {CS} floats");
            w.Open($"if (i < {I(wih.CanonicalOffset + wih.Length)})");
            w.Line($"int r = (i - {I(wih.CanonicalOffset)}) / {I(wih.Columns)}, k = (i - {I(wih.CanonicalOffset)}) % {I(wih.Columns)};");
            w.Line($"return {Row("r")} + {I(layer.InputColumnsOffset)} + k * {I(CS)};");
            w.Close();
            w.Line($"// {whh.Name} [{whh.Rows}, {whh.Columns}]");
            w.Open($"if (i < {I(whh.CanonicalOffset + whh.Length)})");
            w.Line($"int r = (i - {I(whh.CanonicalOffset)}) / {I(whh.Columns)}, k = (i - {I(whh.CanonicalOffset)}) % {I(whh.Columns)};");
            w.Line($"return {Row("r")} + {I(layer.RecurrentColumnsOffset)} + k * {I(CS)};");
            w.Close();
            w.Line($"// {bih.Name} [{bih.Rows}]");
            w.Open($"if (i < {I(bih.CanonicalOffset + bih.Length)})");
            w.Line($"int r = i - {I(bih.CanonicalOffset)};");
            w.Line($"return {Row("r")};");
            w.Close();
            w.Line($"// {bhh.Name} [{bhh.Rows}]");
            w.Open($"if (i < {I(bhh.CanonicalOffset + bhh.Length)})");
            w.Line($"int r = i - {I(bhh.CanonicalOffset)};");
            w.Line($"return {Row("r")} + {I(layer.BiasHhOffset)};");
            w.Close();
        }

        if (plan.HasHead)
        {
            var hw = plan.Tensors[tensor++];
            var hb = plan.Tensors[tensor];
            w.Line($"// {hw.Name} [{hw.Rows}, {hw.Columns}]: row o at {plan.HeadOffset} + o·{plan.HeadStride}");
            w.Open($"if (i < {I(hw.CanonicalOffset + hw.Length)})");
            w.Line($"int o = (i - {I(hw.CanonicalOffset)}) / {I(hw.Columns)}, j = (i - {I(hw.CanonicalOffset)}) % {I(hw.Columns)};");
            w.Line($"return {I(plan.HeadOffset)} + o * {I(plan.HeadStride)} + j;");
            w.Close();
            w.Line($"// {hb.Name} [{hb.Rows}]");
            w.Line($"return {I(plan.HeadBiasOffset)} + (i - {I(hb.CanonicalOffset)});");
        }
        else
        {
            w.Line("throw new global::System.InvalidOperationException(\"unreachable: the index was range-checked above\");");
        }

        w.Close();
        w.Line();

        EmitCopy(w, "CopyParametersTo", "destination", "Parameters", toCanonical: true,
            "Copies the parameters into <paramref name=\"destination\"/> in PyTorch order (see <see cref=\"ParameterLayout\"/>).");
        EmitCopy(w, "CopyGradientsTo", "destination", "Gradients", toCanonical: true,
            "Copies the gradients into <paramref name=\"destination\"/> in PyTorch order (see <see cref=\"ParameterLayout\"/>).");
        EmitCopy(w, "CopyParametersFrom", "source", "Parameters", toCanonical: false,
            "Replaces every parameter with <paramref name=\"source\"/>, given in PyTorch order (see <see cref=\"ParameterLayout\"/>). Nothing changes if the length is wrong.",
            plan.Spec.WeightPrecision == Model.PrecisionKind.BFloat16 ? "RefreshInferenceWeights();   // the bfloat16 copy follows" : null);
    }

    private static void EmitCopy(CodeWriter w, string name, string param, string buffer, bool toCanonical, string summary, string? after = null)
    {
        w.Line($"/// <summary>{summary}</summary>");
        w.Line($"/// <exception cref=\"global::System.ArgumentException\"><paramref name=\"{param}\"/> does not hold exactly TrainableParameterCount floats.</exception>");
        w.Line(GeneratedCode);
        w.Open($"public void {name}({(toCanonical ? Span : ReadOnlySpan)} {param})");
        w.Line($"if ({param}.Length != TrainableParameterCount)");
        w.Line($"    {Throw}.ThrowLength(nameof({param}), TrainableParameterCount, {param}.Length, \"TrainableParameterCount\");");
        w.Line($"var buffer = {buffer};");
        w.Line("for (int i = 0; i < TrainableParameterCount; i++)");
        w.Line(toCanonical ? $"    {param}[i] = buffer[ParameterIndex(i)];" : $"    buffer[ParameterIndex(i)] = {param}[i];");
        if (after is not null) w.Line(after);
        w.Close();
        w.Line();
    }
}
