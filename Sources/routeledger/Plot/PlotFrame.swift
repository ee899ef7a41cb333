/// The frame every plot of the project is drawn in, so that the figures of the docs line up: the
/// drawing's width, the plotting area's height and margins, and the height of a legend line.
protocol PlotFrame {}

extension PlotFrame {
    var width: Double { 760 }
    var plotHeight: Double { 388 }
    var left: Double { 78 }
    var right: Double { 24 }
    var top: Double { 70 }
    var legendLineHeight: Double { 20 }
}
