"""python-datascience: a pandas summary of a small table, and a chart saved as a PNG."""
import io

import matplotlib

matplotlib.use("Agg")  # no display in a sandbox: draw to a file
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

CSV = """city,month,rain_mm,temp_c
Lisbon,Jan,99,11.6
Lisbon,Jul,4,23.5
Oslo,Jan,49,-4.3
Oslo,Jul,81,16.4
Tokyo,Jan,52,5.2
Tokyo,Jul,154,25.0
"""

df = pd.read_csv(io.StringIO(CSV))
print(df.describe().round(1))
print()
summary = df.groupby("city").agg(rain=("rain_mm", "sum"), warmest=("temp_c", "max"))
print(summary.sort_values("rain", ascending=False))
print()
print("correlation of rain and temperature:", round(np.corrcoef(df.rain_mm, df.temp_c)[0, 1], 2))

ax = summary["rain"].plot.bar(title="Rain in January and July (mm)")
ax.figure.tight_layout()
plt.savefig("chart.png")
print("saved chart.png")
