import numpy as np, subprocess, sys
W,H,TW,TH = int(sys.argv[1]), int(sys.argv[2]), 160, 90
rng = np.random.default_rng(1)
# smooth-ish content with edges
yy, xx = np.mgrid[0:H, 0:W]
Y = (16 + 219*(0.5+0.5*np.sin(xx/37.0+yy/23.0))).astype(np.uint8)
Y[(xx//97 + yy//61) % 3 == 0] = 200
U = (128 + 100*np.sin(np.mgrid[0:H//2,0:W//2][1]/13.0)).astype(np.uint8)
V = (128 + 100*np.cos(np.mgrid[0:H//2,0:W//2][0]/11.0)).astype(np.uint8)
U[(np.mgrid[0:H//2,0:W//2][1]//40)%2==0] = 60
uv = np.stack([U,V],axis=-1).reshape(H//2, W)
open('in.yuv','wb').write(Y.tobytes()+uv.tobytes())
def ref():
    # per source pixel chroma = nearest (x/2,y/2); average YUV over exact boxes; convert BT.709 limited
    Uf = np.repeat(np.repeat(U,2,0),2,1)[:H,:W].astype(float); Vf=np.repeat(np.repeat(V,2,0),2,1)[:H,:W].astype(float)
    def box(P):
        out=np.zeros((TH,TW))
        # separable exact area
        def mat(n,m):
            M=np.zeros((m,n))
            for o in range(m):
                lo,hi=o*n/m,(o+1)*n/m
                for i in range(int(lo),min(n,int(np.ceil(hi)))):
                    M[o,i]=max(0,min(hi,i+1)-max(lo,i))
            return M/M.sum(1,keepdims=True)
        return mat(H,TH)@P@mat(W,TW).T
    y,u,v=box(Y.astype(float)),box(Uf),box(Vf)
    yc=(y-16)*255/219; uc=(u-128)*255/224; vc=(v-128)*255/224
    Kr,Kb=0.2126,0.0722; Kg=1-Kr-Kb
    r=yc+2*(1-Kr)*vc; b=yc+2*(1-Kb)*uc; g=(yc-Kr*r-Kb*b)/Kg
    return np.clip(np.round(np.stack([r,g,b],-1)),0,255)
R=ref()
for flags in ["area+accurate_rnd+bitexact","area+accurate_rnd+bitexact+full_chroma_int","area+accurate_rnd+bitexact+full_chroma_int+full_chroma_inp","area+accurate_rnd+full_chroma_int+full_chroma_inp"]:
    out=subprocess.run(["ffmpeg","-v","error","-f","rawvideo","-pix_fmt","nv12","-s",f"{W}x{H}","-i","in.yuv","-vf",f"scale={TW}:{TH}:flags={flags}:in_color_matrix=bt709:in_range=tv:out_range=pc","-pix_fmt","rgb24","-f","rawvideo","-"],capture_output=True).stdout
    S=np.frombuffer(out,np.uint8).reshape(TH,TW,3).astype(float)
    d=np.abs(S-R); print(f"{W}x{H} {flags:60s} mad {d.mean(axis=(0,1)).round(3)} max {d.max()}")
