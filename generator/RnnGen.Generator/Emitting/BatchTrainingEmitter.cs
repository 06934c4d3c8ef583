using System.Linq;
using RnnGen.Generator.Model;
using RnnGen.Generator.Planning;
using static RnnGen.Generator.Emitting.Syntax;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// <c>TrainBatch</c>: a minibatch of equal-length sequences, data-parallel over the cores. The batch is cut into at
/// most <see cref="ModelPlan.BatchChunks"/> contiguous chunks (the cut depends only on the batch size), each chunk's
/// gradient is summed in its own worker model, and the chunks are added in chunk order: the result is bit-identical
/// for any number of cores.
/// </summary>
internal static class BatchTrainingEmitter
{
    public static void Emit(CodeWriter w, ModelPlan plan)
    {
        var s = plan.Spec;
        bool lastStep = s.LossOn == LossOnKind.LastStep;
        bool learned = plan.Recurrent.Any(static r => r.HasLearnedInitialState);
        string start = learned ? "the initial state (ResetState: the learned h₀/c₀, zeros elsewhere)" : "the zero state";
        string perTarget = lastStep ? "OutputSize" : "steps * OutputSize";
        int heads = System.Math.Max(1, plan.Heads.Count);
        string perClass = lastStep ? I(heads) : Times("steps", heads);
        int chunks = plan.BatchChunks;

        w.Comment($"── minibatch training, data-parallel: at most {chunks} chunks of consecutive sequences, one worker model each,",
                  "   chunk gradients added in chunk order (bit-identical for any core count)");
        w.Line(GeneratedCode);
        w.Line($"private {s.TypeName}[]? __workers;");
        w.Line(GeneratedCode);
        w.Line("private float[] __batchFloats = global::System.Array.Empty<float>(), __batchTargets = global::System.Array.Empty<float>();");
        w.Line(GeneratedCode);
        w.Line("private int[] __batchTokens = global::System.Array.Empty<int>(), __batchClasses = global::System.Array.Empty<int>();");
        w.Line(GeneratedCode);
        w.Line($"private readonly double[] __chunkLoss = new double[{I(chunks)}];");
        if (TrainingApiEmitter.HasDropout(plan))
        {
            w.Line(GeneratedCode);
            w.Line("private ulong __batchCall;   // the training call whose dropout masks this batch draws");
        }
        w.Line();

        foreach (var input in ApiOverloads.Inputs(plan))
            foreach (var target in ApiOverloads.Targets(plan))
            {
                string inputName = input.Tokens ? "tokens" : "inputs";
                w.Line("/// <summary>");
                w.Line("/// One optimization step over a minibatch of <paramref name=\"sequences\"/> sequences of equal length T (1..Window),");
                w.Line($"/// each from {start}: the loss and gradient are the means over the sequences (PyTorch's batched mean),");
                w.Line("/// computed on all cores. The batch is cut into fixed chunks whose gradients are added in order, so the result");
                w.Line("/// does not depend on the core count. Clipping, the non-finite guard and the optimizer step are as in TrainStep.");
                w.Line("/// The first call allocates the worker models; later calls allocate only the parallel loop's small bookkeeping.");
                w.Line("/// </summary>");
                w.Line($"/// <param name=\"{inputName}\">sequences × T × {(input.Tokens ? "1 token ids" : "InputSize floats")}, sequence after sequence.</param>");
                w.Line($"/// <param name=\"targets\">sequences × {(target.Classes ? (lastStep ? "1 class id" : "T class ids") : (lastStep ? "OutputSize floats" : "T × OutputSize floats"))}.</param>");
                w.Line("/// <param name=\"sequences\">How many sequences the batch holds.</param>");
                w.Line("/// <param name=\"optimizer\">An optimizer created for ParameterCount parameters.</param>");
                w.Line($"/// <param name=\"options\">Clipping and the non-finite policy (<c>Stateful</c> must be false: every sequence starts from {(learned ? "the initial state" : "zero")}).</param>");
                w.Line("/// <exception cref=\"global::System.ArgumentException\">A length does not split into the sequences, T is 0 or above Window, options.Stateful is true, or the optimizer was made for another size.</exception>");
                if (input.Tokens || target.Classes) w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">A token or class id is out of range.</exception>");
                w.Line(GeneratedCode);
                using (w.Block($"public float TrainBatch({input.Parameter}, {target.Parameter}, int sequences, global::RnnGen.IOptimizer optimizer, global::RnnGen.TrainOptions? options = null)"))
                {
                    w.Line("options ??= global::RnnGen.TrainOptions.Default;");
                    w.Line("if (sequences <= 0) throw new global::System.ArgumentOutOfRangeException(nameof(sequences), sequences, \"A batch needs at least one sequence.\");");
                    w.Line("if (options.Stateful)");
                    w.Line($"    throw new global::System.ArgumentException(\"TrainBatch starts every sequence from {(learned ? "the initial state" : "the zero state")}; use TrainStep with Stateful = true for stateful training.\", nameof(options));");
                    w.Line($"int perSequence = {inputName}.Length / sequences;");
                    w.Line($"if (perSequence * sequences != {inputName}.Length) {Throw}.ThrowNotWholeSteps(nameof({inputName}), {inputName}.Length, sequences, \"sequences of equal length\");");
                    w.Line($"int steps = __TrainChecks({(input.Tokens ? "perSequence" : "__Steps(inputs.Slice(0, perSequence), nameof(inputs))")}, nameof({inputName}), optimizer);");
                    if (input.Tokens) w.Line("__Tokens(tokens);");
                    if (target.Classes)
                    {
                        w.Line($"if (targets.Length != sequences * {perClass}) {Throw}.ThrowClassCount(nameof(targets), sequences * {perClass}, targets.Length, sequences + \" sequences\");");
                        InferenceApiEmitter.EmitClassRange(w, plan, "targets");
                    }
                    else
                        w.Line($"if (targets.Length != sequences * {perTarget}) {Throw}.ThrowLength(nameof(targets), sequences * {perTarget}, targets.Length, sequences + \" sequences\");");
                    w.Line("// The parallel loop cannot capture spans: copy the batch into arrays that grow only when needed.");
                    w.Line(input.Tokens ? "__batchTokens = __Fill(__batchTokens, tokens);" : "__batchFloats = __Fill(__batchFloats, inputs);");
                    w.Line(target.Classes ? "__batchClasses = __Fill(__batchClasses, targets);" : "__batchTargets = __Fill(__batchTargets, targets);");
                    w.Line($"return __TrainBatch(sequences, steps, {(input.Tokens ? "true" : "false")}, {(target.Classes ? "true" : "false")}, optimizer, options);");
                }

                w.Line();
            }

        w.Line(GeneratedCode);
        using (w.Block("private static TItem[] __Fill<TItem>(TItem[] buffer, global::System.ReadOnlySpan<TItem> values)"))
        {
            w.Line("if (buffer.Length < values.Length) buffer = new TItem[values.Length];");
            w.Line("values.CopyTo(buffer);");
            w.Line("return buffer;");
        }

        w.Line();
        w.Line(GeneratedCode);
        using (w.Block("private float __TrainBatch(int sequences, int steps, bool tokens, bool classes, global::RnnGen.IOptimizer optimizer, global::RnnGen.TrainOptions options)"))
        {
            w.Line($"int chunks = global::System.Math.Min(sequences, {I(chunks)});");
            using (w.Block("if (__workers is null)"))
            {
                w.Line($"__workers = new {s.TypeName}[{I(chunks - 1)}];");
                w.Line("// A worker shares nothing with the model but its class: parameters are copied in before each batch.");
                w.Line("for (int i = 0; i < __workers.Length; i++) __workers[i] = CreateUninitialized();");
            }

            w.Line("State saved = __state;");
            if (TrainingApiEmitter.HasDropout(plan)) w.Line("__batchCall = __dropoutCalls++;");
            w.Line("var parameters = Parameters;");
            w.Line("global::System.Threading.Tasks.Parallel.For(0, chunks, c => __RunChunk(c, chunks, sequences, steps, tokens, classes));");
            w.Comment("Σ chunk gradients in chunk order (every element adds chunk 1, 2, … in turn, whichever thread does it),",
                      "spread over the cores by ranges of the buffer; then the batch mean");
            w.Line("int parts = global::System.Math.Min(global::System.Environment.ProcessorCount, 8);");
            w.Line("global::System.Threading.Tasks.Parallel.For(0, parts, r => __ReduceChunks(r, parts, chunks));");
            w.Line("var gradients = Gradients;");
            w.Line("double loss = __chunkLoss[0];");
            w.Line("for (int c = 1; c < chunks; c++) loss += __chunkLoss[c];");
            w.Line($"{Kernels}.ScaleInPlace(gradients, 1f / sequences);");
            w.Line("float mean = (float)(loss / sequences);");
            w.Line("__state = saved;");
            TrainingApiEmitter.EmitClipAndGuard(w, "mean");
            w.Line("optimizer.Step(parameters, gradients);");
            if (plan.IsBFloat16) w.Line("RefreshInferenceWeights();   // Step/Forward read the bfloat16 copy");
            w.Line("return mean;");
        }

        w.Line();
        w.Line("/// <summary>Adds the gradients of chunks 1.. into this model's, for one range of the buffer.</summary>");
        w.Line(GeneratedCode);
        using (w.Block("private void __ReduceChunks(int part, int parts, int chunks)"))
        {
            w.Line("int start = (int)((long)part * ParameterCount / parts) & ~15;");
            w.Line("int end = part == parts - 1 ? ParameterCount : (int)((long)(part + 1) * ParameterCount / parts) & ~15;");
            w.Line("var total = Gradients.Slice(start, end - start);");
            w.Line("for (int c = 1; c < chunks; c++)");
            w.Line($"    {Kernels}.AddInPlace(total, __workers![c - 1].Gradients.Slice(start, end - start));");
        }

        w.Line();
        w.Line("/// <summary>Chunk c: its sequences, in order, summed into its worker's gradients (chunk 0 uses this model).</summary>");
        w.Line(GeneratedCode);
        using (w.Block("private void __RunChunk(int c, int chunks, int sequences, int steps, bool tokens, bool classes)"))
        {
            w.Line($"{s.TypeName} worker = c == 0 ? this : __workers![c - 1];");
            w.Line("if (c > 0) Parameters.CopyTo(worker.Parameters);   // read-only here: chunk 0 does not change parameters");
            w.Line("int first = (int)((long)c * sequences / chunks), end = (int)((long)(c + 1) * sequences / chunks);");
            w.Line("worker.ZeroGradients();");
            w.Comment($"the chunk's sequences in groups of at most __LanesPerCall = {I(plan.LanesPerCall)} lanes (the lanes' caches are that many copies",
                      "of a sequence's part of the buffer): a group goes through each step's products together, a last single sequence",
                      "alone; every sequence adds its gradient and loss in sequence order, so the bits are those of one by one");
            w.Line("double loss = 0;");
            using (w.Block("for (int q = first; q < end; q++)"))
            {
                using (w.Block("if (end - q > 1)"))
                {
                    w.Line("int lanes = global::System.Math.Min(end - q, __LanesPerCall);");
                    string floats = "new global::System.ReadOnlySpan<float>(__batchFloats, q * steps * InputSize, lanes * steps * InputSize)";
                    w.Line($"var laneFloats = {(plan.HasEmbedding ? "tokens ? default : " : "")}{floats};");
                    if (plan.HasEmbedding)
                        w.Line("var laneTokens = tokens ? new global::System.ReadOnlySpan<int>(__batchTokens, q * steps, lanes * steps) : default;");
                    w.Line($"var laneTargets = classes ? default : new global::System.ReadOnlySpan<float>(__batchTargets, q * {perTarget}, lanes * {perTarget});");
                    w.Line($"var laneClasses = classes ? new global::System.ReadOnlySpan<int>(__batchClasses, q * {perClass}, lanes * {perClass}) : default;");
                    string streams = TrainingApiEmitter.HasDropout(plan) ? ", __dropoutSeed, __batchCall, q" : "";
                    w.Line($"loss = worker.{LanesBpttEmitter.Name}(laneFloats{(plan.HasEmbedding ? ", laneTokens" : "")}, laneTargets, laneClasses, lanes, steps{streams}, loss);");
                    w.Line("q += lanes - 1;");
                    w.Line("continue;");
                }

                w.Line(TrainingApiEmitter.Reset(plan, "worker"));
                if (TrainingApiEmitter.HasDropout(plan))
                    w.Line($"worker.__dropoutStream = {Kernels}.DropoutStream(__dropoutSeed, __batchCall, (ulong)q + 1);   // sequence q's masks, whichever core runs it");
                string one = "new global::System.ReadOnlySpan<float>(__batchFloats, q * steps * InputSize, steps * InputSize)";
                w.Line($"var floats = {(plan.HasEmbedding ? "tokens ? default : " : "")}{one};");
                if (plan.HasEmbedding)
                    w.Line("var tokenIds = tokens ? new global::System.ReadOnlySpan<int>(__batchTokens, q * steps, steps) : default;");
                w.Line($"var targets = classes ? default : new global::System.ReadOnlySpan<float>(__batchTargets, q * {perTarget}, {perTarget});");
                w.Line($"var classIds = classes ? new global::System.ReadOnlySpan<int>(__batchClasses, q * {perClass}, {perClass}) : default;");
                w.Line($"loss += worker.__Accumulate(floats{(plan.HasEmbedding ? ", tokenIds" : "")}, targets, classIds, default, steps);");
            }

            w.Line("__chunkLoss[c] = loss;");
        }

        w.Line();
    }
}
