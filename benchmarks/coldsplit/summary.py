# Medians of ab.sh runs: elapsed, main-thread CPU, loader CPU, main + loader, and per-round ratios.
import sys,statistics as st
for f in sys.argv[1:]:
    rows={}
    loads=[]
    for l in open(f):
        p=l.split()
        if len(p)<10: continue
        r,v=p[0],p[1]; el=float(p[3]); main=float(p[4]); loader=float(p[6]); jit=float(p[10]); loads.append(float(p[-1]))
        rows.setdefault(r,{})[v]=(el,main,loader,main+loader,jit)
    def med(v,i): return st.median(x[v][i] for x in rows.values() if v in x)
    def rat(v,i,b='ort'): return st.median(x[v][i]/x[b][i] for x in rows.values() if v in x and b in x)
    print(f, "rounds",len(rows),"load %.0f-%.0f"%(min(loads),max(loads)))
    for v in ['ort','old','new']:
        print("  %-4s elapsed %7.1f main %6.1f loader %5.1f critical %6.1f jit %6.1f | x ort: elapsed %.2f critical-path CPU %.2f"%(v,med(v,0),med(v,1),med(v,2),med(v,3),med(v,4),rat(v,0),rat(v,3)))
    print("  new/old: elapsed %.3f critical %.3f main %.3f"%(rat('new',0,'old'),rat('new',3,'old'),rat('new',1,'old')))
