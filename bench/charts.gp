# Charts of one stage of a benchmark run, from the data files bench/report.py writes:
#   gnuplot -e "stage='host'; dir='RESULTS/charts'; title='...'" bench/charts.gp
# makes DIR/STAGE-relative.png (throughput / the raw device, per workload and target)
# and DIR/STAGE-p99.png (p99 latency), both on log scales.

rel = dir.'/'.stage.'-relative.dat'
p99 = dir.'/'.stage.'-p99.dat'
n = words(system("head -1 '".rel."'"))

set terminal pngcairo size 1500,620 font 'DejaVu Sans,10' noenhanced
set datafile missing 'NaN'
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border rgb '#333333'
set boxwidth 0.9
set key outside right top vertical
set grid ytics lc rgb '#cccccc'
set xtics rotate by -30 nomirror
set ytics nomirror
set border 3
set xrange [-0.6:*]
set format y '%g'
set linetype 1 lc rgb '#4d4d4d'
set linetype 2 lc rgb '#e69f00'
set linetype 3 lc rgb '#56b4e9'
set linetype 4 lc rgb '#009e73'
set linetype 5 lc rgb '#f0e442'
set linetype 6 lc rgb '#0072b2'
set linetype 7 lc rgb '#d55e00'
set linetype 8 lc rgb '#cc79a7'
set linetype 9 lc rgb '#999999'
set linetype 10 lc rgb '#000000'

# Log scales: user-space targets in the VM reach a few per cent of the raw device.
set logscale y
set output dir.'/'.stage.'-relative.png'
set title title.': throughput relative to the raw device (higher is better; log scale)'
set ylabel 'throughput / raw device'
plot for [i=2:n] rel using i:xtic(1) title columnheader(i), \
     1 with lines lc rgb '#000000' dt 2 notitle

set output dir.'/'.stage.'-p99.png'
set title title.': p99 latency (lower is better; log scale)'
set ylabel 'p99 latency, µs'
set format y '%.0f'
set yrange [10:*]
plot for [i=2:n] p99 using i:xtic(1) title columnheader(i)
