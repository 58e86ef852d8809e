# Web search flow sizes (Alizadeh et al., "Data Center TCP (DCTCP)",
# SIGCOMM 2010, Figure 4; as pFabric's CDF_search.tcl gives them, in
# 1460-byte packets, converted here to bytes). Most flows are short, most
# bytes are in flows of 1 MB and more; the mean is about 1.6 MB.
# size (bytes)  cumulative fraction
8760      0
8760      0.15
18980     0.2
27740     0.3
48180     0.4
77380     0.53
194180    0.6
973820    0.7
1946180   0.8
4865180   0.9
9733820   0.97
29200000  1
