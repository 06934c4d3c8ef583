using RnnGen.Generator.Layers;
using RnnGen.Generator.Planning;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// The Training file (<c>{Name}.Training.g.cs</c>): the BPTT driver, then per layer the training forward kernel (kinds
/// that cache gate values), the per-step backward kernels and the window's weight gradients; the head's backward
/// kernels and the loss; then TrainBatch's lanes driver, which steps the sequences of a chunk together, and its kernels.
/// </summary>
internal static class TrainingEmitter
{
    public static void Emit(CodeWriter w, ModelPlan plan)
    {
        BpttEmitter.Emit(w, plan);
        foreach (var layer in plan.Tiled)
        {
            if (RecurrentKind.For(layer).HasTrainForward)
                ForwardKernelEmitter.Emit(w, plan, layer, train: true);
            BackwardKernelEmitter.Emit(w, plan, layer);
            WeightGradientEmitter.Emit(w, plan, layer);
        }

        HeadLossEmitter.EmitBackward(w, plan);
        HeadLossEmitter.EmitLoss(w, plan);
        LanesBpttEmitter.Emit(w, plan);
        foreach (var layer in plan.Tiled)
        {
            ForwardLanesEmitter.Emit(w, plan, layer);
            BackwardKernelEmitter.EmitLanes(w, layer);
        }

        HeadLossEmitter.EmitBackwardHalves(w, plan);
    }
}
