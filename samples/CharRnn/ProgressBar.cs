using System;
using System.Diagnostics;

namespace CharRnn;

/// <summary>
/// One epoch's progress: a bar redrawn in place on a terminal (at most 5 times a second), or a line at every
/// quarter when the output is redirected to a file or pipe.
/// </summary>
public sealed class ProgressBar
{
    private const int Width = 30;
    private readonly string _label;
    private readonly long _total;
    private readonly bool _interactive = !Console.IsOutputRedirected;
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private long _lastDraw = -1000;
    private int _lastQuarter;

    /// <summary>Starts a bar for <paramref name="total"/> units of work.</summary>
    public ProgressBar(string label, long total)
    {
        _label = label;
        _total = Math.Max(1, total);
    }

    /// <summary>Shows <paramref name="done"/> of the total, the recent loss (bits/char) and the speed.</summary>
    public void Report(long done, double lossBits, double charsPerSecond)
    {
        double fraction = Math.Clamp((double)done / _total, 0, 1);
        if (_interactive)
        {
            long now = _watch.ElapsedMilliseconds;
            if (now - _lastDraw < 200 && done < _total) return;
            _lastDraw = now;
            int filled = (int)(fraction * Width);
            double eta = fraction > 0 ? _watch.Elapsed.TotalSeconds * (1 - fraction) / fraction : 0;
            Console.Write($"\r{_label} [{new string('█', filled)}{new string('░', Width - filled)}] {fraction,4:P0}  loss {lossBits:F3} bits/char  {charsPerSecond,7:N0} chars/s  ETA {eta,3:F0} s ");
        }
        else
        {
            int quarter = (int)(fraction * 4);
            if (quarter <= _lastQuarter || quarter >= 4) return;
            _lastQuarter = quarter;
            Console.WriteLine($"{_label} {fraction,4:P0}  loss {lossBits:F3} bits/char  {charsPerSecond,7:N0} chars/s");
        }
    }

    /// <summary>Ends the bar's line.</summary>
    public void Finish()
    {
        if (_interactive) Console.Write('\r' + new string(' ', _label.Length + Width + 80) + '\r');
    }
}
