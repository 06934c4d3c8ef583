using RnnGen;

namespace GameLoop;

// The one model every agent shares: a 32-unit GRU that reads 8 sensor values per frame and outputs
// 2 actions (the acceleration it wants along x and y). The weights live once in the model; each agent
// carries only its own AgentBrain.State (h, 32 floats) and steps it with brain.Step(ref state, …).
// Window = 16: training takes windows of up to 16 frames (truncated BPTT).

/// <summary>The agents' shared recurrent policy: 8 sensors → GRU(32) → 2 actions.</summary>
[RnnModel(hidden: 32, input: 8, Cell = RnnCell.Gru, Output = 2, Window = 16)]
public partial class AgentBrain;
