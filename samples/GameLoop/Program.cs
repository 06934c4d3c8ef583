using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.CompilerServices;
using GameLoop;

// A console "game": 1,000 agents, each with its own recurrent state, all driven by one shared
// generated GRU. Each frame builds every agent's 8 sensor values, steps its state through the model
// and applies the 2 actions. Reports how much of a 60 Hz frame (16.7 ms) that takes and checks that
// no frame allocates (exit code 3 if one does).
var options = Options.Parse(args);
if (options is null) return 1;

const double FrameBudgetMs = 1000.0 / 60;
Console.WriteLine($"RnnGen GameLoop: {options.Agents} agents share one GRU ({AgentBrain.HiddenSize} hidden, {AgentBrain.InputSize} sensors → {AgentBrain.OutputSize} actions, {AgentBrain.TrainableParameterCount} weights); each agent owns a {Unsafe.SizeOf<AgentBrain.State>()}-byte AgentBrain.State");
Console.WriteLine($"runtime: {(System.Runtime.JitInfo.GetCompiledMethodCount() > 0 ? "JIT" : "NativeAOT")}, {Environment.ProcessorCount} cores, {Simd()}");

// 1. A brain that is not random: load trained weights, or learn from the scripted teacher (behaviour cloning).
var brain = new AgentBrain(options.Seed);
if (options.Weights is { } path && File.Exists(path))
{
    brain.Load(path);
    Console.WriteLine($"weights: loaded {path}");
}
else
{
    var watch = Stopwatch.StartNew();
    var (first, last) = Trainer.Train(brain, options.Episodes, options.Seed);
    Console.WriteLine($"training: {options.Episodes} episodes × 16 windows of {AgentBrain.Window} frames (TrainStep, Adam, stateful) in {watch.Elapsed.TotalSeconds:F2} s; " +
                      $"imitation MSE {first:F4} (first tenth) → {last:F4} (last tenth)");
    if (options.Weights is { } save)
    {
        brain.Save(save);
        Console.WriteLine($"weights: saved to {save}");
    }
}

// 2. The game loop. Everything it touches was allocated above; a frame must allocate nothing.
var world = new World(options.Agents, options.Seed);
var frameMs = new double[options.Frames];
var frameBytes = new double[options.Frames];
var sensors = new float[AgentBrain.InputSize];
var actions = new float[AgentBrain.OutputSize];
for (int f = 0; f < options.Warmup; f++) Frame(brain, world, sensors, actions);
int gcBefore = GC.CollectionCount(0);   // every collection, of any generation, collects gen 0
double distance = 0;
int scored = 0;
for (int f = 0; f < options.Frames; f++)
{
    long bytes = GC.GetAllocatedBytesForCurrentThread();
    long start = Stopwatch.GetTimestamp();
    Frame(brain, world, sensors, actions);
    long end = Stopwatch.GetTimestamp();
    frameBytes[f] = GC.GetAllocatedBytesForCurrentThread() - bytes;
    frameMs[f] = (end - start) * 1000.0 / Stopwatch.Frequency;
    if (4 * f >= 3 * options.Frames) { distance += MeanDistance(world); scored++; }
}

int gcs = GC.CollectionCount(0) - gcBefore;
var time = FrameStats.Of(frameMs);
var alloc = FrameStats.Of(frameBytes);
double totalBytes = alloc.Mean * options.Frames;

// 3. The model's share of a frame: the same Step calls again, nothing else.
double nsPerStep = StepOnly(brain, world, sensors, actions, repeats: 50);

// 4. Is the behaviour learned? Mean distance to the beacon over the last quarter of the frames,
//    against the scripted teacher (which always sees its beacon) and agents that do not move.
double teacher = Baseline(options, useTeacher: true);
double idle = Baseline(options, useTeacher: false);

Console.WriteLine();
Console.WriteLine($"{options.Frames} frames × {options.Agents} agents after {options.Warmup} warm-up frames (frame = sense + brain.Step(ref agent.State, …) + act, for every agent)");
Console.WriteLine("                      mean      p50      p99      max    first frame");
Console.WriteLine($"frame time (ms)   {time.Mean,8:F3} {time.P50,8:F3} {time.P99,8:F3} {time.Max,8:F3} {time.First,10:F3}");
Console.WriteLine($"of a 16.7 ms frame {Pct(time.Mean),7} {Pct(time.P50),8} {Pct(time.P99),8} {Pct(time.Max),8} {Pct(time.First),10}");
Console.WriteLine($"allocated bytes   {alloc.Mean,8:F0} {alloc.P50,8:F0} {alloc.P99,8:F0} {alloc.Max,8:F0} {alloc.First,10:F0}   (total {totalBytes:F0} B, {gcs} GCs during the loop)");
Console.WriteLine($"GRU step: {nsPerStep:F0} ns per agent, {nsPerStep * options.Agents / 1e6:F3} ms for all {options.Agents} agents");
Console.WriteLine($"mean distance to beacon, last quarter: network {distance / scored:F3}   scripted teacher {teacher:F3}   agents standing still {idle:F3}");

if (totalBytes != 0)
{
    Console.Error.WriteLine($"FAIL: the game loop allocated {totalBytes:F0} bytes; a frame must allocate nothing");
    return 3;
}

Console.WriteLine("OK: 0 bytes allocated in every frame");
return 0;

static void Frame(AgentBrain brain, World world, float[] sensors, float[] actions)
{
    var agents = world.Agents;
    for (int i = 0; i < agents.Length; i++)
    {
        ref Agent agent = ref agents[i];
        world.Sense(ref agent, i, sensors);
        brain.Step(ref agent.State, sensors, actions);
        World.Act(ref agent, actions[0], actions[1]);
    }

    world.EndFrame();
}

// Fully optimized from the first call (no tier-0 loop around the calls being timed).
[MethodImpl(MethodImplOptions.AggressiveOptimization)]
static double StepOnly(AgentBrain brain, World world, float[] sensors, float[] actions, int repeats)
{
    var agents = world.Agents;
    long start = Stopwatch.GetTimestamp();
    for (int r = 0; r < repeats; r++)
        for (int i = 0; i < agents.Length; i++)
            brain.Step(ref agents[i].State, sensors, actions);
    return Stopwatch.GetElapsedTime(start).TotalNanoseconds / ((double)repeats * agents.Length);
}

static double Baseline(Options options, bool useTeacher)
{
    var world = new World(options.Agents, options.Seed);
    Span<float> action = stackalloc float[2];
    double sum = 0;
    int scored = 0;
    for (int f = 0; f < options.Frames; f++)
    {
        var agents = world.Agents;
        for (int i = 0; i < agents.Length; i++)
        {
            ref Agent agent = ref agents[i];
            if (useTeacher) world.Teach(agent, action);
            else action.Clear();
            World.Act(ref agent, action[0], action[1]);
        }

        world.EndFrame();
        if (4 * f >= 3 * options.Frames) { sum += MeanDistance(world); scored++; }
    }

    return sum / scored;
}

static double MeanDistance(World world)
{
    double sum = 0;
    foreach (ref readonly Agent agent in world.Agents.AsSpan()) sum += world.Distance(agent);
    return sum / world.Agents.Length;
}

static string Pct(double ms) => $"{100 * ms / FrameBudgetMs:F1}%";

static string Simd() =>
    System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "Vector512" :
    System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? "Vector256" :
    System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated ? "Vector128" : "scalar";
