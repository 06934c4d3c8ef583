using System;

namespace GameLoop;

/// <summary>One agent: a point with inertia that chases its beacon, and its own recurrent state.</summary>
public struct Agent
{
    /// <summary>Position in the arena [-1, 1]².</summary>
    public float X, Y;

    /// <summary>Velocity per frame.</summary>
    public float VX, VY;

    /// <summary>Which beacon this agent chases.</summary>
    public int Beacon;

    /// <summary>Frames since the agent last saw its beacon.</summary>
    public int LastSeen;

    /// <summary>This agent's memory: the GRU's hidden state, stepped by the shared model.</summary>
    public AgentBrain.State State;
}

/// <summary>A beacon gliding along a Lissajous curve; its position is a pure function of the frame.</summary>
public readonly struct BeaconPath
{
    private readonly float _wx, _wy, _px, _py;

    public BeaconPath(Random rng)
    {
        _wx = 0.006f + 0.014f * rng.NextSingle();
        _wy = 0.006f + 0.014f * rng.NextSingle();
        _px = MathF.Tau * rng.NextSingle();
        _py = MathF.Tau * rng.NextSingle();
    }

    public float X(int frame) => 0.7f * MathF.Sin(_wx * frame + _px);

    public float Y(int frame) => 0.7f * MathF.Sin(_wy * frame + _py);
}

/// <summary>
/// The deterministic world: agents with inertia in a walled arena, each chasing one of a few moving
/// beacons that it can see only every <see cref="SightEvery"/>-th frame (staggered over the agents), so
/// between sightings it has to remember where the beacon was: that is what the GRU's state is for.
/// Nothing here allocates after construction.
/// </summary>
public sealed class World
{
    /// <summary>An agent sees its beacon on one frame in this many.</summary>
    public const int SightEvery = 4;

    /// <summary>Number of moving beacons.</summary>
    public const int BeaconCount = 8;

    /// <summary>Acceleration per frame at action ±1.</summary>
    public const float Acceleration = 0.004f;

    /// <summary>Velocity kept from one frame to the next.</summary>
    public const float Drag = 0.9f;

    private readonly BeaconPath[] _paths = new BeaconPath[BeaconCount];
    private readonly float[] _beaconX = new float[BeaconCount];
    private readonly float[] _beaconY = new float[BeaconCount];

    public World(int agentCount, int seed)
    {
        var rng = new Random(seed);
        for (int b = 0; b < BeaconCount; b++) _paths[b] = new BeaconPath(rng);
        Agents = new Agent[agentCount];
        for (int i = 0; i < agentCount; i++)
        {
            ref Agent a = ref Agents[i];
            a.X = 2 * rng.NextSingle() - 1;
            a.Y = 2 * rng.NextSingle() - 1;
            a.Beacon = i % BeaconCount;
            a.LastSeen = SightEvery;
        }

        MoveBeacons();
    }

    /// <summary>Every agent, with its own state.</summary>
    public Agent[] Agents { get; }

    /// <summary>Frames simulated so far.</summary>
    public int Frame { get; private set; }

    /// <summary>Places the beacons for the current frame.</summary>
    public void MoveBeacons()
    {
        for (int b = 0; b < BeaconCount; b++)
        {
            _beaconX[b] = _paths[b].X(Frame);
            _beaconY[b] = _paths[b].Y(Frame);
        }
    }

    /// <summary>Ends the frame: the next one's beacon positions.</summary>
    public void EndFrame()
    {
        Frame++;
        MoveBeacons();
    }

    /// <summary>Does agent <paramref name="index"/> see its beacon this frame?</summary>
    public bool Sees(int index) => (Frame + index) % SightEvery == 0;

    /// <summary>Writes agent <paramref name="index"/>'s 8 sensor values for this frame.</summary>
    public void Sense(ref Agent a, int index, Span<float> sensors) =>
        WriteSensors(ref a, Sees(index), _beaconX[a.Beacon], _beaconY[a.Beacon], sensors);

    /// <summary>The scripted controller the network learns from (it always knows where its beacon is).</summary>
    public void Teach(in Agent a, Span<float> action) => Teacher(a, _beaconX[a.Beacon], _beaconY[a.Beacon], action);

    /// <summary>Distance from the agent to its beacon.</summary>
    public float Distance(in Agent a) => MathF.Sqrt(Square(_beaconX[a.Beacon] - a.X) + Square(_beaconY[a.Beacon] - a.Y));

    /// <summary>
    /// Sensors: [0] 1 when the beacon is in sight this frame; [1,2] the offset to the beacon when in sight,
    /// else 0; [3,4] own velocity (scaled to about ±1); [5,6] own position; [7] frames since the last sighting / SightEvery.
    /// Updates <see cref="Agent.LastSeen"/>.
    /// </summary>
    public static void WriteSensors(ref Agent a, bool sees, float beaconX, float beaconY, Span<float> s)
    {
        a.LastSeen = sees ? 0 : a.LastSeen + 1;
        s[0] = sees ? 1f : 0f;
        s[1] = sees ? beaconX - a.X : 0f;
        s[2] = sees ? beaconY - a.Y : 0f;
        s[3] = 25f * a.VX;
        s[4] = 25f * a.VY;
        s[5] = a.X;
        s[6] = a.Y;
        s[7] = MathF.Min(a.LastSeen, 2 * SightEvery) / (float)SightEvery;
    }

    /// <summary>A PD controller towards the beacon: action = clamp(4·offset − 25·velocity) per axis.</summary>
    public static void Teacher(in Agent a, float beaconX, float beaconY, Span<float> action)
    {
        action[0] = Math.Clamp(4f * (beaconX - a.X) - 25f * a.VX, -1f, 1f);
        action[1] = Math.Clamp(4f * (beaconY - a.Y) - 25f * a.VY, -1f, 1f);
    }

    /// <summary>Applies an action (clamped to ±1 per axis): inertia, drag, walls that absorb half the speed.</summary>
    public static void Act(ref Agent a, float ax, float ay)
    {
        a.VX = Drag * a.VX + Acceleration * Math.Clamp(ax, -1f, 1f);
        a.VY = Drag * a.VY + Acceleration * Math.Clamp(ay, -1f, 1f);
        a.X += a.VX;
        a.Y += a.VY;
        if (a.X > 1f) { a.X = 1f; a.VX *= -0.5f; }
        else if (a.X < -1f) { a.X = -1f; a.VX *= -0.5f; }
        if (a.Y > 1f) { a.Y = 1f; a.VY *= -0.5f; }
        else if (a.Y < -1f) { a.Y = -1f; a.VY *= -0.5f; }
    }

    private static float Square(float v) => v * v;
}
