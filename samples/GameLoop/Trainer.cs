using System;
using RnnGen;

namespace GameLoop;

/// <summary>
/// Behaviour cloning: one agent at a time is driven by the scripted <see cref="World.Teacher"/> (plus a
/// little noise, so the data also shows how to recover), and the shared model learns to output the
/// teacher's action from what the agent senses: the beacon's offset only every fourth frame, so it must
/// remember it. Episodes are trained as consecutive windows with <see cref="TrainOptions.Stateful"/>,
/// so h carries over from window to window as it does in the game.
/// </summary>
public static class Trainer
{
    private const int WindowsPerEpisode = 16;

    /// <summary>Trains <paramref name="brain"/>; returns the mean loss of the first and of the last tenth of the episodes.</summary>
    public static (float FirstLoss, float LastLoss) Train(AgentBrain brain, int episodes, int seed, Action<int, float>? progress = null)
    {
        const int T = AgentBrain.Window;
        const int I = AgentBrain.InputSize;
        const int O = AgentBrain.OutputSize;
        var adam = new Adam(AgentBrain.ParameterCount, learningRate: 0.004f);
        var options = new TrainOptions { Stateful = true, MaxGradientNorm = 1f };
        var rng = new Random(seed ^ 0x7EAC4);
        var inputs = new float[T * I];
        var targets = new float[T * O];
        int tenth = Math.Max(1, episodes / 10);
        double first = 0, last = 0;
        for (int e = 0; e < episodes; e++)
        {
            if (e == episodes * 3 / 4) adam.LearningRate *= 0.25f;
            var path = new BeaconPath(rng);
            int sightOffset = rng.Next(World.SightEvery);
            int frame = rng.Next(0, 5000);
            var agent = new Agent { X = 2 * rng.NextSingle() - 1, Y = 2 * rng.NextSingle() - 1, LastSeen = World.SightEvery };
            brain.ResetState();
            double episodeLoss = 0;
            for (int w = 0; w < WindowsPerEpisode; w++)
            {
                for (int t = 0; t < T; t++, frame++)
                {
                    float bx = path.X(frame), by = path.Y(frame);
                    var target = targets.AsSpan(t * O, O);
                    World.WriteSensors(ref agent, (frame + sightOffset) % World.SightEvery == 0, bx, by, inputs.AsSpan(t * I, I));
                    World.Teacher(agent, bx, by, target);
                    World.Act(ref agent, target[0] + 0.6f * (rng.NextSingle() - 0.5f), target[1] + 0.6f * (rng.NextSingle() - 0.5f));
                }

                episodeLoss += brain.TrainStep(inputs, targets, adam, options);
            }

            episodeLoss /= WindowsPerEpisode;
            if (e < tenth) first += episodeLoss;
            if (e >= episodes - tenth) last += episodeLoss;
            progress?.Invoke(e, (float)episodeLoss);
        }

        brain.ResetState();
        return ((float)(first / tenth), (float)(last / tenth));
    }
}
